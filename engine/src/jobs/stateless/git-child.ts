import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** What a stateless worker's git and git-lfs processes run with: its own PATH and HOME, never the engine's. */
export interface GitChildEnv {
  path: string;
  home: string;
  /** Sent to the engine only (scoped to its URL), never to presigned S3 URLs. */
  engineUrl: string;
  /** A bearer token for the engine's git routes, or null where none is needed (loopback). */
  token: string | null;
}

/** The `-c` options every git call of a job carries: the engine's auth header, scoped to its URL. */
function authConfig(env: GitChildEnv): string[] {
  if (!env.token) return [];
  const base = env.engineUrl.endsWith('/') ? env.engineUrl : `${env.engineUrl}/`;
  return ['-c', `http.${base}.extraHeader=Authorization: Bearer ${env.token}`];
}

function childEnv(env: GitChildEnv, skipSmudge: boolean): NodeJS.ProcessEnv {
  return { PATH: env.path, HOME: env.home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...(skipSmudge ? { GIT_LFS_SKIP_SMUDGE: '1' } : {}) };
}

/**
 * Replaces a checked-out LFS pointer with its object: `git lfs smudge` on that one pointer, which
 * asks the batch API for that one object. (`git lfs pull --include` would first read every pointer
 * of the tree, and in a partial clone each of those is a fetch of its own.)
 */
export async function smudgeInPlace(repo: string, path: string, env: GitChildEnv): Promise<void> {
  const file = join(repo, path);
  const partial = `${file}.smudge-${process.pid}`;
  const pointer = await readFile(file);
  const child = spawn('git', [...authConfig(env), 'lfs', 'smudge', '--', path], { cwd: repo, env: childEnv(env, false), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(pointer);
  try {
    await pipeline(child.stdout, createWriteStream(partial));
    const code = await exited;
    // On a failed download git-lfs writes the pointer back and still exits 0: its stderr says why.
    if (code !== 0 || stderr.includes('Error downloading')) throw new Error(`git lfs smudge ${path} failed: ${stderr.trim()}`);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Runs git in a folder for a job; rejects with its stderr. `skipSmudge` leaves LFS files as
 * pointers; `input` is written to its stdin (git fast-import's stream).
 */
export function jobGit(
  dir: string,
  args: readonly string[],
  env: GitChildEnv,
  { skipSmudge = false, input }: { skipSmudge?: boolean; input?: string } = {},
): Promise<string> {
  // The command's name for the message: `push`, not a `-c` before it.
  const verb = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? args[0];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...authConfig(env), ...args],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: childEnv(env, skipSmudge),
      },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${verb} failed: ${stderr.trim() || error.message}`)) : resolve(stdout)),
    );
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
