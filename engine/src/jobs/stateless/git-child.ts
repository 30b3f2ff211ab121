import { execFile } from 'node:child_process';

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

/** Runs git in a folder for a job; rejects with its stderr. `skipSmudge` leaves LFS files as pointers. */
export function jobGit(dir: string, args: readonly string[], env: GitChildEnv, { skipSmudge = false }: { skipSmudge?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...authConfig(env), ...args],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: {
          PATH: env.path,
          HOME: env.home,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          ...(skipSmudge ? { GIT_LFS_SKIP_SMUDGE: '1' } : {}),
        },
      },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`)) : resolve(stdout)),
    );
  });
}
