import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Root of the repository checkout (templates/, pipelines/, web/build live here). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Loopback binds stay open; anything else needs the startup token. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
