import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { StudioError } from '../errors.ts';
import { VARIABLES, type ParsedVariables, type Variable, type VariableName } from './variables.ts';

/** One or more environment variables hold values their schema refuses; the message names each. */
export class InvalidSettingError extends StudioError {
  override readonly code = 'INVALID_SETTING';
  constructor(problems: Array<{ name: string; value: string; message: string }>) {
    super(problems.map((p) => `${p.name}=${JSON.stringify(p.value)}: ${p.message}`).join('; '), { variables: problems.map((p) => p.name) });
  }
}

/** Parses every variable of VARIABLES out of `env`, collecting every refusal before throwing. */
function parseVariables(env: Readonly<Record<string, string | undefined>>): ParsedVariables {
  const values: Record<string, unknown> = {};
  const problems: Array<{ name: string; value: string; message: string }> = [];
  for (const [name, variable] of Object.entries(VARIABLES) as Array<[VariableName, Variable]>) {
    const given = env[name]?.trim() ? env[name]!.trim() : undefined;
    const raw = given ?? variable.default;
    if (raw === undefined) continue;
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push({ name, value: raw, message: parsed.error.issues.map((i) => i.message).join(', ') });
  }
  if (problems.length) throw new InvalidSettingError(problems);
  return values as ParsedVariables;
}

/**
 * The settings of the engine and of `npm run worker`, read once at start-up from the environment
 * (VARIABLES in variables.ts names each, with its type, default and meaning) and passed down.
 * Nothing else reads the environment. Throws InvalidSettingError naming every variable it refuses.
 */
export function loadSettings(env: Readonly<Record<string, string | undefined>>) {
  const v = parseVariables(env);
  return {
    host: v.HOST,
    port: v.PORT,
    studioHome: resolve(v.STUDIO_HOME ?? join(REPO_ROOT, 'workspace')),
    repoRoot: REPO_ROOT,
    backend: v.RUNNER_BACKEND,
    /** Pipeline folders: the checkout's pipelines/, then any in PIPELINES_PATH. */
    pipelineRoots: [join(REPO_ROOT, 'pipelines'), ...(v.PIPELINES_PATH ?? [])],
    modelsDir: v.STUDIO_MODELS,
    dockerSocket: v.DOCKER_SOCKET,
    redisUrl: v.REDIS_URL,
    inProcessWorker: v.STUDIO_LOCAL_WORKER,
    concurrency: v.WORKER_CONCURRENCY,
    lockDurationMs: v.WORKER_LOCK_MS,
    workerName: v.WORKER_NAME,
    workerGpus: v.WORKER_GPUS,
    workerVramGB: v.WORKER_VRAM_GB,
    heartbeatTtlMs: v.WORKER_HEARTBEAT_TTL_MS,
    pipelinesRefreshMs: v.WORKER_PIPELINES_REFRESH_MS,
    dispatchWatchdogMs: v.DISPATCH_WATCHDOG_MS,
    maxImageUpload: v.STUDIO_MAX_IMAGE_UPLOAD,
    maxMediaUpload: v.STUDIO_MAX_MEDIA_UPLOAD,
    trainCancelGraceMs: v.TRAIN_CANCEL_GRACE_MS,
    trainStepDelayS: v.STUDIO_TRAIN_STEP_DELAY_S,
    /** Spare interpreters for pipelines that name processPreload (runner/warm-spares.ts). */
    warmStart: v.STUDIO_WARM_START,
    /** `users`: multi-user mode (docs/users-and-tenants.md). */
    auth: v.STUDIO_AUTH,
    tokenTtlS: v.STUDIO_TOKEN_TTL_S,
    engineUrl: v.ENGINE_URL,
    /** Object storage for LFS objects; absent: the filesystem. */
    s3: v.S3_ENDPOINT
      ? { endpoint: v.S3_ENDPOINT, bucket: v.S3_BUCKET, region: v.S3_REGION, accessKeyId: v.S3_ACCESS_KEY_ID, secretAccessKey: v.S3_SECRET_ACCESS_KEY }
      : undefined,
    s3PresignTtlS: v.S3_PRESIGN_TTL_S,
    ratesFile: v.STUDIO_RATES,
    path: v.PATH,
    home: v.HOME,
  };
}

export type Settings = ReturnType<typeof loadSettings>;
