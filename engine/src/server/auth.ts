import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TOKEN_COOKIE = 'studio_token';
export const TOKEN_QUERY = 'token';

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** The token a request carries: Authorization bearer, X-Studio-Token, ?token= or the cookie. */
export function presentedToken(headers: IncomingHttpHeaders, url: string): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = headers['x-studio-token'];
  if (typeof header === 'string') return header;
  const query = new URL(url, 'http://x').searchParams.get(TOKEN_QUERY);
  if (query) return query;
  return cookieValue(headers.cookie, TOKEN_COOKIE);
}

export function tokenMatches(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Paths that need the token when the engine is bound beyond loopback. */
export function isGuardedPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/api' || path.startsWith('/api/') || path === '/ws' || path.startsWith('/ws/');
}
