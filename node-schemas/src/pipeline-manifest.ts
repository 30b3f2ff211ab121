import { z } from 'zod';
import { TaskType } from './node-data.ts';
import { NODE_TYPES } from './node-types.ts';
import { SocketTypeSpec, socketIncompatibility, socketTypesOf } from './sockets.ts';
import { Quality } from './project.ts';

export const PipelineId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'pipeline id must be lowercase letters, digits, . _ -');

const SocketName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'socket names are lowercase identifiers');

export const PipelineInput = z
  .object({
    /** The key of `inputs` in request.json (the pipeline's own name for it). */
    name: SocketName,
    label: z.string().max(100).optional(),
    type: SocketTypeSpec,
    required: z.boolean().default(true),
    /**
     * The node input socket that feeds it, when that is not `name`: a face swap's `image` (the
     * target) comes from the Shot's `target` socket and its `face` from `image` (the source image).
     */
    socket: SocketName.optional(),
  })
  .strict();
export type PipelineInput = z.infer<typeof PipelineInput>;

/** The node input socket that feeds a pipeline input. */
export function feedingSocket(input: Pick<PipelineInput, 'name' | 'socket'>): string {
  return input.socket ?? input.name;
}

/** Task types a Shot runs (the others are run by the Audio, post-processing and Motion Source nodes, or the Asset Manager). */
export const SHOT_TASK_TYPE_IDS = [
  'generate-image',
  'generate-video',
  'image-to-video',
  'talking-head',
  'motion-transfer',
  'identity-image',
  'edit-image',
  'face-swap',
] as const satisfies readonly TaskType[];
export type ShotTaskType = (typeof SHOT_TASK_TYPE_IDS)[number];
export const SHOT_TASK_TYPES: ReadonlySet<TaskType> = new Set<TaskType>(SHOT_TASK_TYPE_IDS);

/**
 * Why a Shot pipeline's inputs cannot all be fed from Shot sockets: an input naming no Shot socket,
 * one whose socket carries a type the input does not take, or two inputs fed by one socket. An
 * AssetReference input (a LoRA) is fed from the Character or Style socket's asset, not by name.
 */
export function shotSocketProblems(manifest: { taskType: TaskType; inputs: readonly PipelineInput[] }): string[] {
  if (!SHOT_TASK_TYPES.has(manifest.taskType)) return [];
  const problems: string[] = [];
  const used = new Map<string, string>();
  for (const input of manifest.inputs) {
    if (socketTypesOf(input.type).every((t) => t === 'AssetReference')) continue;
    const name = feedingSocket(input);
    const socket = NODE_TYPES.shot.inputs.find((s) => s.name === name);
    if (!socket) {
      problems.push(`input ${input.name}: the Shot has no socket '${name}' (name one of its sockets in \`socket\`)`);
      continue;
    }
    const reason = socketIncompatibility(socket.type, input.type);
    if (reason) problems.push(`input ${input.name}: the Shot's ${name} socket does not fit it (${reason})`);
    const other = used.get(name);
    if (other) problems.push(`inputs ${other} and ${input.name} are both fed by the Shot's ${name} socket`);
    used.set(name, input.name);
  }
  return problems;
}

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
    /**
     * Python modules the process backend may import ahead of a job, in a spare interpreter that then
     * runs the entrypoint (processCommand must be `python3 script.py`): torch's import alone is ~1 s.
     */
    processPreload: z
      .array(z.string().regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, 'must be a Python module name'))
      .max(16)
      .optional(),
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
  .strict()
  .superRefine((manifest, ctx) => {
    for (const message of shotSocketProblems(manifest)) ctx.addIssue({ code: 'custom', path: ['inputs'], message });
    // warm_start.py runs the one script it is given: `python3 -u script.py` would run '-u'.
    const command = manifest.processCommand ?? [];
    if (manifest.processPreload && !(command.length === 2 && /(^|\/)python3?$/.test(command[0]!) && /\.py$/.test(command[1]!)))
      ctx.addIssue({ code: 'custom', path: ['processPreload'], message: 'processPreload needs a processCommand of exactly [python3, script.py]' });
  });
export type PipelineManifest = z.infer<typeof PipelineManifest>;
