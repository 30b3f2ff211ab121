import { z } from 'zod';
import { PipelineInput, PipelineOutput, PipelineParam } from '../pipeline-manifest.ts';
import { Quality } from '../project.ts';

/** What the studio has observed of a pipeline at one quality. */
export const ObservedFigures = z.object({
  runs: z.number(),
  /** The highest recent peak (GB), or null when no run measured one. */
  peakGB: z.number().nullable(),
  /** The VRAM the dispatcher asks for, or null (then the manifest's figure). */
  needGB: z.number().nullable(),
  meanWallS: z.number(),
  lastAt: z.string(),
});
export type ObservedFigures = z.infer<typeof ObservedFigures>;

/** GET /api/v1/pipelines: an installed pipeline with its manifest figures, what was observed, and who can start it. */
export const PipelineInfo = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  taskType: z.string(),
  qualities: z.array(Quality),
  inputs: z.array(PipelineInput),
  outputs: z.array(PipelineOutput),
  params: z.array(PipelineParam),
  gpu: z.object({ required: z.boolean(), vramGB: z.partialRecord(Quality, z.number()) }).loose(),
  /** "12 GB low · 16 GB standard", or "CPU". */
  vram: z.string(),
  observed: z.partialRecord(Quality, ObservedFigures),
  verified: z.boolean(),
  /** Unverified and never completed a job here: the quality table passes over it. */
  proven: z.boolean(),
  image: z.string(),
  upstream: z.string().nullable(),
  /** Each runner backend of this engine (docker, process): whether it can run the pipeline, and why not. */
  backends: z.record(z.string(), z.object({ available: z.boolean(), reason: z.string().nullable() })),
  runnable: z.boolean(),
  /** Live workers that can start it now. */
  startableOn: z.array(z.string()),
  /** Why each live worker that cannot start it cannot. */
  unavailableOn: z.record(z.string(), z.string()),
});
export type PipelineInfo = z.infer<typeof PipelineInfo>;
export const PipelineList = z.array(PipelineInfo);
