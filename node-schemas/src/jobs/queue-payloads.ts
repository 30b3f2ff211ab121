import { z } from 'zod';
import { TrainingBase, TrainingParams } from '../assets.ts';
import { FrameRate } from '../node-data.ts';
import { Quality } from '../project.ts';

/*
 * What travels through the BullMQ queues between the engine and its workers. A worker may run on
 * another machine and another build, so it parses each job's data at its edge with these.
 */

const Timestamp = z.string().min(1);
const ProjectRelative = z.string().min(1).max(1000);

/** Whose takes a node makes: the project-relative folder (03_Renders/SCENE_01/SHOT_010) and the file-name stem (SHOT-010). */
export const TakeSubject = z.object({ folder: ProjectRelative, name: z.string().min(1).max(200) });
export type TakeSubject = z.infer<typeof TakeSubject>;

/** A generation, as the engine asks for it: everything a worker needs, nothing it must look up in git. */
export const GenerateJobData = z.object({
  projectId: z.string().min(1),
  nodeId: z.string().min(1),
  nodeType: z.string().min(1),
  subject: TakeSubject,
  pipelineId: z.string().min(1),
  taskType: z.string().min(1),
  quality: Quality,
  seed: z.int().min(0),
  prompt: z.string(),
  negativePrompt: z.string(),
  params: z.record(z.string(), z.unknown()),
  width: z.int().positive(),
  height: z.int().positive(),
  aspectRatio: z.string(),
  fps: z.number().positive(),
  duration: z.number().nonnegative(),
  /** Input socket name -> project-relative path of the file (an upstream node's active take). */
  inputs: z.record(z.string(), ProjectRelative),
  /** The project's tenant: a stateless worker clones `/git/<tenant>/<project>.git` (absent: the local tenant). */
  tenant: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .max(64)
    .optional(),
  /** What the take is made from, for its version number. */
  fingerprint: z.string(),
  /** VRAM the pipeline needs at this quality (0 for CPU pipelines), and whether it may share a GPU. */
  vramGB: z.number().nonnegative(),
  shareable: z.boolean(),
  /** Set when the dispatcher dropped to a lower quality than the project asked for (docs/pipeline-contract.md#hardware-policy). */
  fallbackFrom: z.object({ quality: Quality, pipelineId: z.string(), reason: z.string() }).optional(),
  requestedAt: Timestamp,
});
export type GenerateJobData = z.infer<typeof GenerateJobData>;

/** What a worker hands the engine when a generation has produced its output. */
export const TakeJobData = z.object({
  generateJobId: z.string().min(1),
  request: GenerateJobData,
  /** The output file, in the workspace's job folder (same filesystem as the project); empty when a stateless worker pushed it. */
  outputPath: z.string(),
  /** A stateless worker's hand-over: the ref it pushed (`refs/jobs/<id>`) and the output's path in that commit (docs/architecture.md#stateless-workers). */
  pushed: z.object({ ref: z.string().regex(/^refs\/jobs\/[A-Za-z0-9_-]+$/), path: ProjectRelative }).optional(),
  backend: z.string(),
  imageDigest: z.string().nullable(),
  worker: z.string(),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  runMs: z.number().nonnegative(),
});
export type TakeJobData = z.infer<typeof TakeJobData>;

/** What the engine's take worker answers: the committed take and its sidecar. */
export const TakeJobResult = z.object({ take: z.string(), sidecar: z.string(), version: z.int(), number: z.int() });
export type TakeJobResult = z.infer<typeof TakeJobResult>;

export const RenderBackendName = z.enum(['ffmpeg', 'editly']);

/** A render of a VSE Assembler's cut from its EDL. */
export const RenderJobData = z.object({
  projectId: z.string().min(1),
  /** The VSE Assembler node. */
  nodeId: z.string().min(1),
  title: z.string(),
  edlText: z.string(),
  rate: FrameRate,
  dropFrame: z.boolean(),
  width: z.int().positive(),
  height: z.int().positive(),
  backend: RenderBackendName,
  frames: z.int().nonnegative(),
});
export type RenderJobData = z.infer<typeof RenderJobData>;

export const RenderJobResult = z.object({ output: z.string(), method: z.string(), frames: z.number(), seconds: z.number() });
export type RenderJobResult = z.infer<typeof RenderJobResult>;

/** A LoRA training run, as the engine asks for it. */
export const TrainJobData = z.object({
  assetId: z.string().min(1),
  /** The asset's tenant, whose library holds it (absent: the local tenant). */
  tenant: z.string().min(1).max(64).optional(),
  assetName: z.string(),
  triggerWord: z.string(),
  base: TrainingBase,
  preset: z.string(),
  pipelineId: z.string().min(1),
  params: TrainingParams,
  /** Included images: library file path (relative to the asset) and caption. */
  images: z.array(z.object({ id: z.string(), file: z.string(), sha256: z.string(), caption: z.string() })),
  /** A previous task of this asset whose checkpoint this run continues from. */
  resumeFrom: z.string().nullable(),
  checkpointEvery: z.int().nonnegative(),
  sampleEvery: z.int().nonnegative(),
  /** Seconds the draft trainer waits after each step: a test knob, so a cancel or a kill lands mid-run. */
  stepDelayS: z.number().nonnegative(),
  vramGB: z.number().nonnegative(),
  requestedAt: Timestamp,
});
export type TrainJobData = z.infer<typeof TrainJobData>;

/** What a training worker hands the engine: the trained file, to become the next version. */
export const LoraVersionJobData = z.object({
  taskId: z.string().min(1),
  request: TrainJobData,
  loraPath: z.string().min(1),
  log: z.object({
    steps: z.number(),
    curve: z.array(z.tuple([z.number(), z.number()])),
    samples: z.array(z.object({ step: z.number(), path: z.string() })),
    resumed_from: z.number(),
  }),
  worker: z.string(),
  backend: z.string(),
  imageDigest: z.string().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  runMs: z.number().nonnegative(),
});
export type LoraVersionJobData = z.infer<typeof LoraVersionJobData>;
