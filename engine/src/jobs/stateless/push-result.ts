import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { actorAuthor, type Actor } from '@studio/node-schemas';
import { jobGit, type GitChildEnv } from './git-child.ts';
import { midPushHookConfig } from './fault-point.ts';
import { lfsObjectOf, lfsPointer, uploadLfsObject } from './lfs-upload.ts';
import { lfsSaysStoreDown, whileStoreDown } from './wait-for-store.ts';

/** Where a job's output sits in the commit it pushes; the engine moves it to the take's name. */
export function pushedOutputPath(jobId: string, output: string): string {
  return `05_Cache/jobs/${jobId}/output${extname(output).toLowerCase()}`;
}

export function jobRef(jobId: string): string {
  return `refs/jobs/${jobId}`;
}

/** The branch of the job's copy that holds the commit it pushes. */
const JOB_BRANCH = 'refs/heads/job-output';

/** The project's repository URL, as the job's copy was made from it (its origin). */
async function originUrl(repo: string): Promise<string> {
  const config = await readFile(join(repo, '.git', 'config'), 'utf8');
  const url = /\[remote "origin"\][^[]*?\n\s*url = (\S+)/.exec(config)?.[1];
  if (!url) throw new Error(`the job's copy ${repo} has no origin`);
  return url;
}

/** git fast-import's stream for one commit with one file: the commit the engine reads the output's pointer from. */
function oneFileCommit({ path, content, author, message }: { path: string; content: string; author: string; message: string }): string {
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  return `commit ${JOB_BRANCH}\nauthor ${author} ${when}\ncommitter ${author} ${when}\n${data(message)}M 100644 inline ${path}\n${data(content)}`;
}

/**
 * Hands a job's output to the engine without a shared disk: sends the output's bytes through the
 * project's LFS Batch API (to S3 when configured, else the project's own store), then pushes one
 * commit holding only its LFS pointer to the job's own ref (forced: a rerun after a crash replaces
 * what an earlier attempt pushed). The engine reads the pointer from that ref and never merges it,
 * so the commit needs no parent, and no git-lfs process runs: one fast-import and one push.
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
  /** How long the upload waits for an object store that is down (default STORE_WAIT_MS). */
  storeWaitMs?: number;
  /** Told while it waits, for the task's step. */
  onWaiting?: (message: string) => void;
}): Promise<{ ref: string; path: string }> {
  const path = pushedOutputPath(jobId, output);
  const [object, repositoryUrl] = await Promise.all([lfsObjectOf(output), originUrl(repo)]);
  const { name, email } = actorAuthor(actor);
  // The upload and the commit are independent; the ref is pushed only once both are done.
  await Promise.all([
    whileStoreDown(() => uploadLfsObject({ repositoryUrl, token: env.token, file: output, object }), {
      isDown: lfsSaysStoreDown,
      what: "upload the job's output",
      waitMs: storeWaitMs,
      // A worker's log says why its job is held; the task's step says it when the caller passes onWaiting.
      onWaiting: onWaiting ?? ((message) => console.warn(`job ${jobId}: ${message}`)),
    }),
    jobGit(repo, ['fast-import', '--quiet', '--force'], env, {
      input: oneFileCommit({ path, content: lfsPointer(object), author: `${name} <${email}>`, message: `Job ${jobId}: output for the engine to bring in\n` }),
    }),
  ]);
  const ref = jobRef(jobId);
  await jobGit(repo, [...(await midPushHookConfig(dirname(repo))), 'push', '--quiet', '--force', 'origin', `${JOB_BRANCH}:${ref}`], env);
  return { ref, path };
}
