import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT } from '@studio/node-schemas';
import { jobGit, smudgeInPlace, type GitChildEnv } from './git-child.ts';
import { lfsSaysStoreDown, whileStoreDown } from './wait-for-store.ts';
import { SHALLOW_JOB_HEADER, SHALLOW_JOB_VALUE } from '../../git-http/http-backend.ts';

/** Whether a checked-out file is a Git LFS pointer (small, and starts as the spec says). */
function isLfsPointer(bytes: Buffer): boolean {
  return bytes.length < 400 && bytes.subarray(0, 64).toString('utf8').startsWith('version https://git-lfs.github.com/spec/v1');
}

/** The URL a project repository is served at (docs/git-and-lfs-over-http.md). */
export function repositoryUrl(engineUrl: string, tenant: string | undefined, projectId: string): string {
  return `${engineUrl.replace(/\/+$/, '')}/git/${encodeURIComponent(tenant ?? LOCAL_TENANT)}/${encodeURIComponent(projectId)}.git`;
}

/**
 * What `git init` makes, and the project as its origin, written without a git process (one fewer
 * a job, and a process costs most of a job's overhead on a loaded machine).
 */
async function emptyRepository(repo: string, url: string): Promise<void> {
  const git = join(repo, '.git');
  for (const folder of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) await mkdir(join(git, folder), { recursive: true });
  await writeFile(join(git, 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(
    join(git, 'config'),
    `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[remote "origin"]\n\turl = ${url}\n`,
  );
}

/**
 * A stateless worker's copy of a project for one job (spec section 8.3): a partial, shallow clone
 * of main with nothing checked out but the job's inputs, and of the LFS objects only those inputs'
 * (smudged one by one). Media of the other takes never leaves the engine. A job without inputs
 * reads nothing of the project: its copy is an empty repository whose origin is the project,
 * enough to push its output (see pushResult), with no clone and no git process at all.
 */
export async function checkoutForJob({
  dir,
  tenant,
  projectId,
  inputs,
  env,
  storeWaitMs,
  onWaiting,
}: {
  dir: string;
  tenant: string | undefined;
  projectId: string;
  /** Project-relative paths of the job's input files. */
  inputs: readonly string[];
  env: GitChildEnv;
  /** How long a fetch waits for an object store that is down (default STORE_WAIT_MS). */
  storeWaitMs?: number;
  onWaiting?: (message: string) => void;
}): Promise<{ repo: string; file: (rel: string) => string }> {
  await mkdir(dir, { recursive: true });
  const repo = join(dir, 'repo');
  const url = repositoryUrl(env.engineUrl, tenant, projectId);
  if (!inputs.length) {
    await emptyRepository(repo, url);
    return { repo, file: (rel) => join(repo, rel) };
  }
  await jobGit(
    dir,
    [
      '-c',
      `http.extraHeader=${SHALLOW_JOB_HEADER}: ${SHALLOW_JOB_VALUE}`,
      'clone',
      '--quiet',
      '--no-checkout',
      '--filter=blob:none',
      '--depth=1',
      '--single-branch',
      '--branch',
      'main',
      url,
      repo,
    ],
    env,
    {
      skipSmudge: true,
    },
  );
  // No LFS filter is configured in the copy: the inputs come out as pointers, each smudged alone.
  await jobGit(repo, ['checkout', 'HEAD', '--', ...inputs], env, { skipSmudge: true });
  for (const input of inputs)
    if (isLfsPointer(await readFile(join(repo, input))))
      await whileStoreDown(() => smudgeInPlace(repo, input, env), {
        isDown: lfsSaysStoreDown,
        what: `fetch its input ${input}`,
        waitMs: storeWaitMs,
        onWaiting,
      });
  return { repo, file: (rel) => join(repo, rel) };
}
