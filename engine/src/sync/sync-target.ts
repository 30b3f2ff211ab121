import { safeDecode } from '../auth/token.ts';

/**
 * The project and query of a WebSocket upgrade target `/ws/<projectId>?...`, or null for any
 * other target (another path, absolute-form, a project id that is not valid percent-encoding).
 * Never throws: this runs on raw client input outside any request handler.
 */
export function parseSyncTarget(target: string): { projectId: string; params: URLSearchParams } | null {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const match = /^\/ws\/([^/]+)$/.exec(path);
  if (!match) return null;
  const projectId = safeDecode(match[1]!);
  if (projectId === null) return null;
  return { projectId, params: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}
