import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { GitOperationError } from '../errors.ts';

const IDENTITY = { name: 'Studio Engine', email: 'engine@studio.local' };

/** simple-git over the real git CLI (git-lfs hooks in through git's own filters). */
export function gitAt(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, binary: 'git', maxConcurrentProcesses: 4, trimmed: false });
}

async function wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw new GitOperationError(`git ${what} failed: ${(error as Error).message.trim()}`);
  }
}

/** Settings the engine relies on: its own identity, and no background auto-gc racing our commits. */
const REPOSITORY_CONFIG = `[user]
\tname = ${IDENTITY.name}
\temail = ${IDENTITY.email}
[gc]
\tauto = 0
[maintenance]
\tauto = false
[commit]
\tgpgsign = false
`;

/*
 * simple-git waits 50 ms more after any git command that printed nothing, so the commands here
 * use their talkative forms (no -q, add -v) and the settings are appended to .git/config in one
 * write rather than one silent `git config` process per key.
 */

/** git init with LFS installed locally. */
export async function initRepository(dir: string): Promise<void> {
  const git = gitAt(dir);
  await wrap('init', () => git.raw(['init', '--initial-branch=main']));
  await appendFile(join(dir, '.git', 'config'), REPOSITORY_CONFIG);
  await wrap('lfs install', () => git.raw(['lfs', 'install', '--local']));
}

/** Stages the given paths (or everything) and commits. Returns the new commit hash. */
export async function commitPaths(dir: string, message: string, paths: readonly string[] | 'all'): Promise<string> {
  const git = gitAt(dir);
  return wrap('commit', async () => {
    await git.raw(['add', '--verbose', '--', ...(paths === 'all' ? ['.'] : paths)]);
    await git.raw(['commit', '--no-verify', '-m', message]);
    return (await git.raw(['rev-parse', 'HEAD'])).trim();
  });
}

/** Commits tracked files changed in the working tree, in one git process. */
export async function commitTracked(dir: string, message: string, paths: readonly string[]): Promise<void> {
  const git = gitAt(dir);
  await wrap('commit', () => git.raw(['commit', '--no-verify', '-m', message, '--', ...paths]));
}

export interface LogEntry {
  hash: string;
  message: string;
  time: string;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

export async function readLog(dir: string, { limit, skip = 0 }: { limit: number; skip?: number }): Promise<LogEntry[]> {
  const git = gitAt(dir);
  const raw = await wrap('log', () =>
    git.raw(['log', `--max-count=${limit}`, `--skip=${skip}`, `--format=%H${FIELD}%cI${FIELD}%B${RECORD}`]),
  );
  return raw
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.length)
    .map((r) => {
      const [hash, time, message] = r.split(FIELD) as [string, string, string];
      return { hash, time, message: message.trim() };
    });
}

export async function lastCommitTime(dir: string): Promise<string | null> {
  const [entry] = await readLog(dir, { limit: 1 }).catch(() => []);
  return entry?.time ?? null;
}
