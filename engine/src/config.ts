import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository checkout (templates/, pipelines/, web/build live here). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EngineConfig {
  host: string;
  port: number;
  studioHome: string;
  repoRoot: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const port = env.PORT === undefined ? 7860 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer 0-65535, got '${env.PORT}'`);
  return {
    host: env.HOST || '127.0.0.1',
    port,
    studioHome: resolve(env.STUDIO_HOME || resolve(REPO_ROOT, 'workspace')),
    repoRoot: REPO_ROOT,
  };
}

/** Loopback binds stay open; anything else needs the startup token. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
