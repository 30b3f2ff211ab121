export const GENERATE_QUEUE = 'generate';
export const TAKES_QUEUE = 'takes';
export const CANCEL_CHANNEL = 'studio:cancel';

/** The queue payloads are zod schemas in node-schemas (a worker parses them at its edge); their types, by the names the engine uses. */
export { GenerateJobData, TakeJobData, TakeJobResult } from '@studio/node-schemas';
