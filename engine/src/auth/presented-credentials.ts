import type { IncomingHttpHeaders } from 'node:http';
import { queryOf, safeDecode, TOKEN_QUERY } from './token.ts';

/** The cookie the web app's sign-in sets (HttpOnly: page scripts never see the token). */
export const SESSION_COOKIE = 'studio_session';

/** What a request offers to prove who sent it, in the order it is looked for. */
export type PresentedCredentials =
  | { kind: 'bearer'; token: string }
  /** HTTP Basic, as git sends it: the secret is a token, or (git routes only) the user's password. */
  | { kind: 'basic'; username: string; secret: string }
  | { kind: 'none' };

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return null;
}

function basic(value: string): { username: string; secret: string } | null {
  const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** Authorization (Bearer or Basic), X-Studio-Token, `?token=`, then the session cookie. Never throws. */
export function presentedCredentials(headers: IncomingHttpHeaders, url: string): PresentedCredentials {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const [scheme, ...rest] = auth.trim().split(/\s+/);
    const value = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer' && value) return { kind: 'bearer', token: value };
    if (scheme?.toLowerCase() === 'basic' && value) {
      const pair = basic(value);
      if (pair) return { kind: 'basic', ...pair };
    }
  }
  const header = headers['x-studio-token'];
  if (typeof header === 'string' && header) return { kind: 'bearer', token: header };
  const query = queryOf(url).get(TOKEN_QUERY);
  if (query) return { kind: 'bearer', token: query };
  const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
  if (cookie) return { kind: 'bearer', token: cookie };
  return { kind: 'none' };
}

/** A JWT's shape (three base64url parts): Basic auth's secret is tried as a token only when it looks like one. */
export function looksLikeJwt(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}
