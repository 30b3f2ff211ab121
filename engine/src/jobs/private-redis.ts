import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingToolError } from '../errors.ts';

export interface PrivateRedis {
  socketPath: string;
  /** Stops the server (it saves its append-only file first). */
  stop(): Promise<void>;
}

function ping(socketPath: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const timer = setTimeout(() => (socket.destroy(), resolve(false)), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.on('error', () => (clearTimeout(timer), resolve(false)));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The embedded default's redis-server: a child listening only on a unix socket under the
 * workspace, with append-only persistence so queued jobs outlive a restart. A server left running
 * by an engine that was killed is adopted rather than started twice.
 */
export async function startPrivateRedis(workspaceHome: string): Promise<PrivateRedis> {
  const dir = join(workspaceHome, '.redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Unix socket paths are limited to ~107 bytes: fall back to a short path in the temp folder.
  let socketPath = join(dir, 'redis.sock');
  if (Buffer.byteLength(socketPath) > 100) socketPath = join(tmpdir(), `studio-redis-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}.sock`);
  const pidFile = join(dir, 'redis.pid');

  let adoptedPid: number | null = null;
  if (await ping(socketPath)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim() || 0);
    adoptedPid = pid > 0 && pidAlive(pid) ? pid : null;
  }
  if (adoptedPid !== null) {
    const pid = adoptedPid;
    return { socketPath, stop: async () => stopPid(pid) };
  }

  const child = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--unixsocket',
      socketPath,
      '--unixsocketperm',
      '700',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    // Its own process group: a Ctrl+C in the terminal must not kill it before the engine has stopped.
    { stdio: 'ignore', detached: true },
  );
  child.unref();
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new MissingToolError('redis-server is not installed. Install it with: sudo apt-get install -y redis-server', { tool: 'redis-server' })
          : error,
      ),
    ),
  );
  const deadline = Date.now() + 10_000;
  const ready = (async () => {
    while (!(await ping(socketPath))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start; see ${join(dir, 'redis.log')}`);
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${join(dir, 'redis.log')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  await Promise.race([ready, spawnError]);
  return { socketPath, stop: async () => stopPid(child.pid!) };
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}
