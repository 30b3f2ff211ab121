import { z } from 'zod';
import { TaskType } from './node-data.ts';
import { SocketTypeSpec } from './sockets.ts';
import { Quality } from './project.ts';

export const PipelineId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'pipeline id must be lowercase letters, digits, . _ -');

const SocketName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'socket names are lowercase identifiers');

export const PipelineInput = z
  .object({
    name: SocketName,
    label: z.string().max(100).optional(),
    type: SocketTypeSpec,
    required: z.boolean().default(true),
  })
  .strict();

export const PipelineOutput = z
  .object({
    name: SocketName,
    label: z.string().max(100).optional(),
    type: SocketTypeSpec,
    /** File extension the pipeline writes under out/ for this output. */
    extension: z.string().regex(/^[a-z0-9]{1,12}$/),
  })
  .strict();

export const PipelineParam = z
  .object({
    name: SocketName,
    label: z.string().max(100).optional(),
    type: z.enum(['integer', 'float', 'string', 'boolean', 'enum']),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    options: z.array(z.string()).optional(),
    description: z.string().max(500).optional(),
  })
  .strict();

/** Minimum VRAM in GB per quality level; a quality left out is one the pipeline does not offer. */
export const VramByQuality = z
  .object({ low: z.number().min(0).optional(), standard: z.number().min(0).optional(), high: z.number().min(0).optional() })
  .strict();

export const PipelineBackend = z.enum(['docker', 'process']);
export type PipelineBackend = z.infer<typeof PipelineBackend>;

/** pipelines/<id>/pipeline.json (docs/pipeline-contract.md). */
export const PipelineManifest = z
  .object({
    id: PipelineId,
    title: z.string().min(1).max(100),
    description: z.string().max(2000),
    version: z.string().max(32).default('1.0.0'),
    taskType: TaskType,
    /** Quality levels this pipeline serves for its task type (docs/pipeline-contract.md#quality-table). */
    qualities: z.array(Quality).min(1).default(['low', 'standard', 'high']),
    inputs: z.array(PipelineInput).default([]),
    outputs: z.array(PipelineOutput).min(1),
    params: z.array(PipelineParam).default([]),
    /** Docker image tag and the command run inside it; the job folder is mounted at /job. */
    image: z.string().min(1).max(200),
    command: z.array(z.string()).min(1),
    /** Command for the process backend, relative to the pipeline folder; absent when host-unrunnable. */
    processCommand: z.array(z.string()).min(1).optional(),
    backends: z.array(PipelineBackend).min(1),
    gpu: z
      .object({
        required: z.boolean(),
        vramGB: VramByQuality.default({}),
        /** Whether two jobs of this pipeline may share one GPU. */
        shareable: z.boolean().default(false),
      })
      .strict(),
    timeoutSeconds: z.int().min(1).max(86_400).default(600),
    /** Upstream project the container follows, for the catalogue's README. */
    upstream: z.string().max(300).optional(),
    /** True for CPU stand-ins and drafts that run here; false for GPU models unverified here. */
    verified: z.boolean().default(false),
  })
  .strict();
export type PipelineManifest = z.infer<typeof PipelineManifest>;
