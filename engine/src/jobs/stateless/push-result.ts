import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { actorAuthor, type Actor } from '@studio/node-schemas';
import { jobGit, type GitChildEnv } from './git-child.ts';
import { midPushHookConfig } from './fault-point.ts';
import { lfsSaysStoreDown, whileStoreDown } from './wait-for-store.ts';

/** Where a job's output sits in the commit it pushes; the engine moves it to the take's name. */
export function pushedOutputPath(jobId: string, output: string): string {
  return `05_Cache/jobs/${jobId}/output${extname(output).toLowerCase()}`;
}

export function jobRef(jobId: string): string {
  return `refs/jobs/${jobId}`;
}

/**
 * Hands a job's output to the engine without a shared disk: commits it (through LFS, by the
 * project's .gitattributes) on top of the clone's main and pushes that commit to the job's own ref
 * (forced: a rerun after a crash replaces what an earlier attempt pushed). The LFS object goes
 * where the engine's batch API sends it: S3 when configured, else the project's own store.
 */
export async function pushResult({
  repo,
  jobId,
  output,
  actor,
  env,
  storeWaitMs,
  onWaiting,
}: {
  repo: string;
  jobId: string;
  output: string;
  actor: Actor;
  env: GitChildEnv;
  /** How long the push waits for an object store that is down (default STORE_WAIT_MS). */
  storeWaitMs?: number;
  /** Told while it waits, for the task's step. */
  onWaiting?: (message: string) => void;
}): Promise<{ ref: string; path: string }> {
  const path = pushedOutputPath(jobId, output);
  await mkdir(dirname(join(repo, path)), { recursive: true });
  await copyFile(output, join(repo, path));
  await jobGit(repo, ['add', '--', path], env);
  const { name, email } = actorAuthor(actor);
  await jobGit(
    repo,
    ['-c', `user.name=${name}`, '-c', `user.email=${email}`, 'commit', '--quiet', '--no-verify', '-m', `Job ${jobId}: output for the engine to bring in`],
    env,
  );
  const ref = jobRef(jobId);
  const hooks = await midPushHookConfig(dirname(repo));
  // Only the push is tried again: the commit is made, and the LFS hook sends what S3 lacks.
  await whileStoreDown(() => jobGit(repo, [...hooks, 'push', '--quiet', '--force', 'origin', `HEAD:${ref}`], env), {
    isDown: lfsSaysStoreDown,
    what: "upload the job's output",
    waitMs: storeWaitMs,
    // A worker's log says why its job is held; the task's step says it when the caller passes onWaiting.
    onWaiting: onWaiting ?? ((message) => console.warn(`job ${jobId}: ${message}`)),
  });
  return { ref, path };
}
