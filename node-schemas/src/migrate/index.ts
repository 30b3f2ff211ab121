export * from './migrate.ts';
export * from './formats.ts';
