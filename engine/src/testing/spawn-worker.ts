import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';

/** A standalone `npm run worker` process; resolves once it says it is ready. */
export async function spawnWorker(env: Record<string, string>): Promise<{ child: ChildProcess; killHard: () => void; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'engine/src/jobs/worker-main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    // Generous: a worker compiles its TypeScript and checks every pipeline's backend before it is ready.
    const timer = setTimeout(() => reject(new Error(`worker not ready:\n${out}`)), 90_000);
    child.stdout!.on('data', () => out.includes('ready') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`worker exited ${code}:\n${out}`))));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    killHard: () => child.kill('SIGKILL'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
