import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';

export interface SpawnedEngine {
  child: ChildProcess;
  /** The URL the engine printed (with the token when it has one). */
  url: string;
  baseUrl: string;
  output: () => string;
  /** SIGKILL the engine and every process it started (git included). */
  killHard: () => Promise<void>;
  stop: () => Promise<void>;
}

/** How a test starts the engine: `main.ts` under tsx, or `launch.mjs` with plain Node, as `npm start` does. */
export type EngineEntry = 'main' | 'launch';
const entryArgs = (entry: EngineEntry) =>
  entry === 'launch' ? [join(REPO_ROOT, 'engine/src/server/launch.mjs')] : ['--import', 'tsx', join(REPO_ROOT, 'engine/src/main.ts')];

/** Starts the engine (`main.ts` by default) in its own process group and waits for it to listen. */
export async function spawnEngine({
  env,
  timeoutMs = 20_000,
  entry = 'main',
}: {
  env: Record<string, string>;
  timeoutMs?: number;
  entry?: EngineEntry;
}): Promise<SpawnedEngine> {
  const child = spawn(process.execPath, entryArgs(entry), {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      const match = /listening: (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code} before listening:\n${out}`));
    });
  });
  const base = new URL(url);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    url,
    baseUrl: `${base.protocol}//${base.host}`,
    output: () => out,
    killHard: async () => {
      killGroup('SIGKILL');
      await exited;
    },
    stop: async () => {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs the engine to completion (for start-up failures); returns exit code and output. */
export function runEngineToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'engine/src/main.ts')], {
      cwd: REPO_ROOT,
      env: { PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine still running after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out });
    });
  });
}
