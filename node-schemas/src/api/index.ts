// The REST contract: error codes and the answers of each route family.
export * from './errors.ts';
export * from './assembly.ts';
export * from './assets.ts';
export * from './health.ts';
export * from './pipelines.ts';
export * from './projects.ts';
export * from './tasks.ts';
export * from './workers.ts';
export * from './review.ts';
export * from './ledger.ts';
export * from './provenance.ts';
export * from './auth.ts';
export * from './git-lfs.ts';
