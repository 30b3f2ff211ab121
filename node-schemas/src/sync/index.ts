export * from './sync-client.ts';
export * from './invert-edits.ts';
export * from './undo-history.ts';
