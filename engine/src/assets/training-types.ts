import type { TrainingBase, TrainingParams } from '@studio/node-schemas';

export const TRAIN_QUEUE = 'train';
export const LORA_VERSIONS_QUEUE = 'lora-versions';
/** Redis list per task: [step, loss] pairs, the loss curve the page draws (the step count is ours). */
export const curveKey = (taskId: string) => `studio:train-curve:${taskId}`;
export const samplesKey = (taskId: string) => `studio:train-samples:${taskId}`;

/** A training run, as the engine asks for it. */
export interface TrainJobData {
  assetId: string;
  assetName: string;
  triggerWord: string;
  base: TrainingBase;
  preset: string;
  pipelineId: string;
  params: TrainingParams;
  /** Included images: library file path (relative to the asset) and caption. */
  images: Array<{ id: string; file: string; sha256: string; caption: string }>;
  /** A previous task of this asset whose checkpoint this run continues from. */
  resumeFrom: string | null;
  checkpointEvery: number;
  sampleEvery: number;
  /** Seconds the draft trainer waits after each step: a test knob, so a cancel or a kill lands mid-run. */
  stepDelayS: number;
  vramGB: number;
  requestedAt: string;
}

/** What a training worker hands the engine: the trained file, to become the next version. */
export interface LoraVersionJobData {
  taskId: string;
  request: TrainJobData;
  loraPath: string;
  log: { steps: number; curve: Array<[number, number]>; samples: Array<{ step: number; path: string }>; resumed_from: number };
  worker: string;
  backend: string;
  imageDigest: string | null;
  startedAt: string;
  finishedAt: string;
  runMs: number;
}
