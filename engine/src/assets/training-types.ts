export const TRAIN_QUEUE = 'train';
export const LORA_VERSIONS_QUEUE = 'lora-versions';
/** Redis list per task: [step, loss] pairs, the loss curve the page draws (the step count is ours). */
export const curveKey = (taskId: string) => `studio:train-curve:${taskId}`;
export const samplesKey = (taskId: string) => `studio:train-samples:${taskId}`;

/** The training queues' payloads are zod schemas in node-schemas; the workers parse them at their edge. */
export { LoraVersionJobData, TrainJobData } from '@studio/node-schemas';
