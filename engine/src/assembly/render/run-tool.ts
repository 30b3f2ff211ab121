import { spawn } from 'node:child_process';
import { RenderError } from './errors.ts';

const STDERR_TAIL_BYTES = 4000;

export interface RunToolArgs {
  command: string;
  args: string[];
  signal?: AbortSignal | undefined;
  cwd?: string;
  /** Each complete stdout line (ffmpeg -progress pipe:1 writes key=value lines there). */
  onLine?: (line: string) => void;
  /** Raw stdout, for tools that report progress without newlines. */
  onData?: (chunk: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Start it in its own process group and kill the whole group on abort (wrappers like xvfb-run). */
  group?: boolean;
}

/**
 * Runs a tool to completion. Rejects with the signal's reason once aborted (the process is
 * killed first), and with a RenderError carrying the end of stderr when it fails or is missing.
 */
export function runTool(args: RunToolArgs): Promise<{ stdout: Buffer }> {
  const { command, signal } = args;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(command, args.args, { cwd: args.cwd, env: args.env, stdio: ['ignore', 'pipe', 'pipe'], detached: args.group === true });
    let stderr = '';
    const stdout: Buffer[] = [];
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      args.onData?.(chunk.toString('utf8'));
      if (!args.onLine) {
        stdout.push(chunk);
        return;
      }
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) args.onLine(line.trim());
    });
    const onAbort = () => {
      if (args.group && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      } else child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error.code === 'ENOENT' ? new RenderError(`${command} is not installed (not found on PATH)`, { command }) : error);
    });
    child.once('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve({ stdout: Buffer.concat(stdout) });
      const tail = stderr.trim().split('\n').slice(-12).join('\n');
      reject(
        new RenderError(`${command} failed (${code === null ? `killed by ${killedBy}` : `exit ${code}`}): ${tail}`, { command, exitCode: code, stderr: tail }),
      );
    });
  });
}

/** ffmpeg quietly, reporting `out_time_us` as seconds written. */
export function runFfmpeg(args: { args: string[]; signal?: AbortSignal | undefined; onSeconds?: (seconds: number) => void; cwd?: string }): Promise<void> {
  const head = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-y', ...(args.onSeconds ? ['-progress', 'pipe:1'] : [])];
  return runTool({
    command: 'ffmpeg',
    args: [...head, ...args.args],
    signal: args.signal,
    ...(args.cwd ? { cwd: args.cwd } : {}),
    onLine: (line) => {
      const [key, value] = line.split('=');
      if (key === 'out_time_us' && value && /^\d+$/.test(value)) args.onSeconds?.(Number(value) / 1e6);
    },
  }).then(() => undefined);
}
