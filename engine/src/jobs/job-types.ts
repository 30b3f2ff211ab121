import type { TakeSubject } from '../projects/takes/take-subject.ts';

export const GENERATE_QUEUE = 'generate';
export const TAKES_QUEUE = 'takes';
export const CANCEL_CHANNEL = 'studio:cancel';

/** A generation, as the engine asks for it: everything a worker needs, nothing it must look up in git. */
export interface GenerateJobData {
  projectId: string;
  nodeId: string;
  nodeType: string;
  subject: TakeSubject;
  pipelineId: string;
  taskType: string;
  quality: string;
  seed: number;
  prompt: string;
  negativePrompt: string;
  params: Record<string, unknown>;
  width: number;
  height: number;
  aspectRatio: string;
  fps: number;
  duration: number;
  /** Input socket name -> project-relative path of the file (an upstream node's active take). */
  inputs: Record<string, string>;
  /** What the take is made from, for its version number. */
  fingerprint: string;
  /** VRAM the pipeline needs at this quality (0 for CPU pipelines), and whether it may share a GPU. */
  vramGB: number;
  shareable: boolean;
  /** Set when the dispatcher dropped to a lower quality than the project asked for (spec 7.2). */
  fallbackFrom?: { quality: string; pipelineId: string; reason: string };
  requestedAt: string;
}

/** What a worker hands the engine when a generation has produced its output. */
export interface TakeJobData {
  generateJobId: string;
  request: GenerateJobData;
  /** The output file, in the workspace's job folder (same filesystem as the project). */
  outputPath: string;
  backend: string;
  imageDigest: string | null;
  worker: string;
  startedAt: string;
  finishedAt: string;
  runMs: number;
}

export interface TakeJobResult {
  take: string;
  sidecar: string;
  version: number;
  number: number;
}
