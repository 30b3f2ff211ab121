import type { IncomingHttpHeaders } from 'node:http';
import type { Actor } from '@studio/node-schemas';
import type { Authenticated } from '../auth/auth-service.ts';
import { presentedToken, tokenMatches } from '../auth/token.ts';

/**
 * Who may push (receive-pack, LFS uploads and verify). On the loopback default and with the startup
 * token every actor writes; in multi-user mode the token must carry `projects:write` (a read-only
 * user clones and pulls only). Main stays the engine's whoever pushes (the pre-receive hook).
 */
export function isWriter(actor: Actor, session: Authenticated | null): boolean {
  if (session) return session.scopes.includes('projects:write');
  return actor.kind === 'local' || actor.kind === 'user' || actor.kind === 'worker';
}

/** The name git records as REMOTE_USER for a push (its reflog): kind, id and tenant. */
export function remoteUserOf(actor: Actor): string {
  return `${actor.kind}:${actor.id}@${actor.tenant}`.replace(/[^\w.:@-]/g, '_');
}

/**
 * The startup token as a git client sends it: HTTP Basic with the token as password
 * (`http://studio:<token>@host/git/...`), or a bearer token (an `http.<url>.extraHeader`).
 */
export function presentsStartupToken(headers: IncomingHttpHeaders, url: string, token: string): boolean {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^basic\s/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && tokenMatches(token, decoded.slice(colon + 1))) return true;
  }
  return tokenMatches(token, presentedToken(headers, url));
}
