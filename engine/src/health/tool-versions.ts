import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { VARIABLES } from '../settings/variables.ts';

export interface ToolStatus {
  present: boolean;
  version: string | null;
  detail?: string;
}

/** Runs `command args` and returns its first line of output, or null when it cannot run. */
function firstLine(command: string, args: string[], timeoutMs = 5000): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) return resolve(null);
      const line = `${stdout}${stderr}`.split('\n').find((l) => l.trim());
      resolve(line?.trim() ?? '');
    });
  });
}

function versionOf(line: string | null, pattern: RegExp): ToolStatus {
  if (line === null) return { present: false, version: null };
  return { present: true, version: pattern.exec(line)?.[1] ?? line };
}

export const checkGit = async () => versionOf(await firstLine('git', ['--version']), /git version (\S+)/);
export const checkGitLfs = async () => versionOf(await firstLine('git', ['lfs', 'version']), /git-lfs\/(\S+)/);
export const checkFfmpeg = async () => versionOf(await firstLine('ffmpeg', ['-hide_banner', '-version']), /ffmpeg version (\S+)/);
export const checkRedis = async () => versionOf(await firstLine('redis-server', ['--version']), /v=(\S+)/);

/** Whether a Docker daemon answers on its socket (the client alone is not enough to run pipelines). */
export function dockerDaemonVersion(socketPath: string = VARIABLES.DOCKER_SOCKET.default): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/version', method: 'GET', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { Version?: string }).Version ?? null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.end();
  });
}

export async function checkDocker(socketPath?: string): Promise<ToolStatus & { daemon: boolean }> {
  const [client, daemon] = await Promise.all([firstLine('docker', ['--version']), dockerDaemonVersion(socketPath)]);
  const clientVersion = client ? (/Docker version ([^,\s]+)/.exec(client)?.[1] ?? client) : null;
  return {
    present: client !== null || daemon !== null,
    version: daemon ?? clientVersion,
    daemon: daemon !== null,
    detail: daemon ? 'daemon answering' : client ? 'client only, no daemon answering' : 'not installed',
  };
}

export async function toolReport(dockerSocket?: string) {
  const [git, gitLfs, ffmpeg, redis, docker] = await Promise.all([checkGit(), checkGitLfs(), checkFfmpeg(), checkRedis(), checkDocker(dockerSocket)]);
  return { git, 'git-lfs': gitLfs, ffmpeg, redis, docker };
}
