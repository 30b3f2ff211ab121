import { delimiter, join } from 'node:path';
import type { BackendPreference } from '../runner/choose-backend.ts';

/** Job settings from the environment, shared by the engine and `npm run worker`. */
export function jobSettings(env: NodeJS.ProcessEnv, repoRoot: string) {
  const backend = (env.RUNNER_BACKEND ?? 'auto') as BackendPreference;
  if (!['auto', 'docker', 'process'].includes(backend)) throw new Error(`RUNNER_BACKEND must be auto, docker or process, not '${backend}'`);
  const number = (name: string, fallback: number) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    backend,
    /** Pipeline folders: the repository's pipelines/, then any in PIPELINES_PATH. */
    pipelineRoots: [join(repoRoot, 'pipelines'), ...(env.PIPELINES_PATH ? env.PIPELINES_PATH.split(delimiter).filter(Boolean) : [])],
    concurrency: number('WORKER_CONCURRENCY', 2),
    lockDurationMs: number('WORKER_LOCK_MS', 30_000),
    redisUrl: env.REDIS_URL,
    inProcessWorker: env.STUDIO_LOCAL_WORKER !== '0',
  };
}
