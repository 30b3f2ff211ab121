/** The startup token: how a request presents it and how it is checked. Used by the HTTP gate (server/) and the WebSocket upgrade (sync/), so neither imports the other for it. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TOKEN_COOKIE = 'studio_token';
export const TOKEN_QUERY = 'token';

/** decodeURIComponent that answers null for input that is not valid percent-encoding, never throws. */
export function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    // A cookie that is not valid percent-encoding is no token at all (and never an error).
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return null;
}

/** The query string of a request target, whatever the target looks like (origin-form, absolute-form, garbage). */
export function queryOf(target: string): URLSearchParams {
  const q = target.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
}

/** The token a request carries: Authorization bearer, HTTP Basic's password (git clients: `http://x:<token>@host/git/...`), X-Studio-Token, ?token= or the cookie. */
export function presentedToken(headers: IncomingHttpHeaders, url: string): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  if (typeof auth === 'string' && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return decoded.slice(colon + 1);
  }
  const header = headers['x-studio-token'];
  if (typeof header === 'string') return header;
  const query = queryOf(url).get(TOKEN_QUERY);
  if (query) return query;
  return cookieValue(headers.cookie, TOKEN_COOKIE);
}

export function tokenMatches(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Route patterns (as the router registered them) that need the token when bound beyond loopback: the API and the project repositories over git. */
export function isGuardedRoute(routeUrl: string): boolean {
  return routeUrl === '/api' || routeUrl.startsWith('/api/') || routeUrl === '/git' || routeUrl.startsWith('/git/');
}

/** For the not-found answer only (JSON or the web app): never a security decision. */
export function looksLikeApiPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return /^\/(api|ws|git)(\/|$)/.test(path);
}
