import { delimiter } from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the engine and `npm run worker` read: its schema (from the text the
 * environment holds), its default (as that text), and one line for the README table. An empty
 * value counts as unset (docker-compose passes `${X:-}` through as "").
 */
export interface Variable {
  schema: z.ZodType;
  /** The value used when the variable is unset, written as it would be in the environment. */
  default?: string;
  /** How the default reads in the README when it is not a literal (computed, or "none"). */
  shownDefault?: string;
  type: string;
  doc: string;
}

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const decimal = (min: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`));
const text = z.string();
const oneOf = <T extends string>(...values: [T, ...T[]]) => z.enum(values, { error: `must be one of ${values.join(', ')}` });
const onOff = z.enum(['0', '1', 'false', 'true'], { error: 'must be 0, 1, false or true' }).transform((v) => v === '1' || v === 'true');

export const VARIABLES = {
  HOST: {
    schema: text,
    default: '127.0.0.1',
    type: 'host',
    doc: 'Address the engine binds; beyond loopback every /api and /ws request needs the startup token.',
  },
  PORT: { schema: wholeNumber(0, 65535), default: '7860', type: 'integer 0-65535', doc: 'Port the engine listens on (0: any free port).' },
  STUDIO_HOME: {
    schema: text,
    shownDefault: '`<checkout>/workspace`',
    type: 'path',
    doc: 'The workspace: Library/ and Projects/ (one git repository per project).',
  },
  RUNNER_BACKEND: {
    schema: oneOf('auto', 'docker', 'process'),
    default: 'auto',
    type: '`auto`, `docker` or `process`',
    doc: 'How pipelines run: in Docker, on the host, or Docker when its daemon answers.',
  },
  PIPELINES_PATH: {
    schema: text.transform((v) => v.split(delimiter).filter(Boolean)),
    shownDefault: 'none',
    type: '`:`-separated paths',
    doc: "More folders of pipelines, after the checkout's pipelines/.",
  },
  STUDIO_MODELS: {
    schema: text,
    shownDefault: 'none',
    type: 'path',
    doc: 'Model weights: mounted read-only at /models (docker) or passed as $STUDIO_MODELS (process).',
  },
  DOCKER_SOCKET: { schema: text, default: '/var/run/docker.sock', type: 'path', doc: "The Docker daemon's socket." },
  REDIS_URL: {
    schema: text,
    shownDefault: 'none: a private redis-server',
    type: 'URL',
    doc: "The job queue's Redis (`redis://host:6379` or `unix:///path/redis.sock`); `npm run worker` needs it.",
  },
  STUDIO_LOCAL_WORKER: { schema: onOff, default: '1', type: '0 or 1', doc: '0: the engine runs no worker of its own (workers join through REDIS_URL).' },
  WORKER_CONCURRENCY: { schema: wholeNumber(1), default: '2', type: 'integer', doc: 'CPU job slots of a worker.' },
  WORKER_LOCK_MS: { schema: wholeNumber(1), default: '30000', type: 'ms', doc: 'How long a job stays locked to a worker that stops renewing it.' },
  WORKER_NAME: { schema: text, shownDefault: '`<hostname>:<pid>`', type: 'text', doc: 'Name of a standalone worker (`npm run worker`).' },
  WORKER_GPUS: {
    schema: z.string().regex(/^(all|\d+|\d+(\s*,\s*\d+)*)$/, 'must be all, a count, or device ids such as 0,2'),
    default: 'all',
    type: '`all`, a count, or ids `0,2`',
    doc: 'Which GPUs a worker offers.',
  },
  WORKER_VRAM_GB: {
    schema: decimal(0),
    shownDefault: 'detected by nvidia-smi',
    type: 'GB',
    doc: 'VRAM per GPU, declared instead of detected (0: a CPU-only worker).',
  },
  WORKER_HEARTBEAT_TTL_MS: {
    schema: wholeNumber(1),
    default: '15000',
    type: 'ms',
    doc: 'A worker that has not beaten for this long is gone; it beats every fifth of it.',
  },
  WORKER_PIPELINES_REFRESH_MS: { schema: wholeNumber(1), default: '15000', type: 'ms', doc: 'How often a worker looks again at which pipelines it can start.' },
  DISPATCH_WATCHDOG_MS: { schema: wholeNumber(1), default: '5000', type: 'ms', doc: 'How often the engine looks again at jobs waiting for a GPU.' },
  STUDIO_MAX_IMAGE_UPLOAD: {
    schema: wholeNumber(1),
    default: String(4 * 1024 ** 3),
    type: 'bytes',
    doc: 'Largest reference-image upload (a zip of images included).',
  },
  STUDIO_MAX_MEDIA_UPLOAD: { schema: wholeNumber(1), default: String(64 * 1024 ** 3), type: 'bytes', doc: 'Largest media file imported into a project.' },
  TRAIN_CANCEL_GRACE_MS: {
    schema: wholeNumber(0),
    default: '15000',
    type: 'ms',
    doc: 'How long a cancelled training run may take to save its checkpoint before it is killed.',
  },
  STUDIO_WARM_START: {
    schema: onOff,
    default: '1',
    type: '0 or 1',
    doc: '1: a process-backend pipeline whose manifest names `processPreload` (the draft trainer: torch) starts from a spare interpreter that imported it already.',
  },
  STUDIO_TRAIN_STEP_DELAY_S: {
    schema: decimal(0),
    default: '0',
    type: 's',
    doc: 'Pause after each step of a draft LoRA training (tests use it to cancel mid-run).',
  },
  STUDIO_AUTH: {
    schema: oneOf('none', 'users'),
    default: 'none',
    type: '`none` or `users`',
    doc: '`users`: multi-user mode; every route needs a token from `POST /auth/token` and serves only its tenant.',
  },
  STUDIO_TOKEN_TTL_S: { schema: wholeNumber(60), default: '43200', type: 's', doc: 'How long a sign-in token from `POST /auth/token` is valid.' },
  ENGINE_URL: {
    schema: text,
    shownDefault: 'none',
    type: 'URL',
    doc: "A stateless worker's way to the engine (`http://engine:7860`): it clones and pushes projects over git there.",
  },
  S3_ENDPOINT: {
    schema: text,
    shownDefault: "none: LFS objects stay on the engine's disk",
    type: 'URL',
    doc: 'S3-compatible object store for LFS objects (path-style addressing), such as `http://radosgw:7480`.',
  },
  S3_BUCKET: { schema: text, default: 'studio-lfs', type: 'name', doc: 'Bucket of the LFS objects; the engine creates it when missing.' },
  S3_REGION: { schema: text, default: 'us-east-1', type: 'region', doc: 'Region the S3 signatures are made for.' },
  S3_ACCESS_KEY_ID: { schema: text, shownDefault: 'none', type: 'text', doc: 'Access key of the object store.' },
  S3_SECRET_ACCESS_KEY: { schema: text, shownDefault: 'none', type: 'text', doc: 'Secret key of the object store.' },
  S3_PRESIGN_TTL_S: {
    schema: wholeNumber(10),
    default: '900',
    type: 's',
    doc: 'Lifetime of presigned S3 URLs and engine LFS URLs; the batch API hands out `expires_in` a little below it.',
  },
  STUDIO_RATES: {
    schema: text,
    shownDefault: 'the built-in rate table',
    type: 'path',
    doc: 'JSON rate table pricing GPU-seconds by VRAM tier and CPU-seconds in credits (docs/governance.md#costs).',
  },
  PATH: { schema: text, default: '/usr/bin:/bin', type: 'paths', doc: 'Where tools are found (xvfb-run, nvidia-smi); process-backend pipelines get it.' },
  HOME: { schema: text, default: '/tmp', type: 'path', doc: 'Home folder given to process-backend pipelines.' },
} as const satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;

type Parsed<N extends VariableName> = (typeof VARIABLES)[N] extends { default: string }
  ? z.output<(typeof VARIABLES)[N]['schema']>
  : z.output<(typeof VARIABLES)[N]['schema']> | undefined;
/** Each variable's parsed value: defaulted ones always present, the others undefined when unset. */
export type ParsedVariables = { [N in VariableName]: Parsed<N> };
