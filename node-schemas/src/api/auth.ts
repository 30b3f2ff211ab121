import { z } from 'zod';
import { Actor } from '../actor.ts';

/** A user's sign-in name: lower case, no colon (it is the user part of HTTP Basic auth) and safe in a git author's email. */
export const UserName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, dot, dash or underscore, starting with a letter or digit');
/** A tenant name: the same alphabet as project.json's `tenant` and the `/git/<tenant>/...` path segment. */
export const TenantName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, dash or underscore, starting with a letter or digit');
export const UserPassword = z.string().min(8, 'must be at least 8 characters').max(1024);

/**
 * What a token allows (docs/users-and-tenants.md#scopes): `projects:read` for GET and HEAD on the
 * tenant's projects (and git fetch/clone), `projects:write` for every other method (and git push).
 */
export const TokenScope = z.enum(['projects:read', 'projects:write']);
export type TokenScope = z.infer<typeof TokenScope>;
export const ALL_TOKEN_SCOPES: readonly TokenScope[] = TokenScope.options;

/** The auth mode of an engine (STUDIO_AUTH): `none` is the loopback default, `users` multi-user mode. */
export const AuthMode = z.enum(['none', 'users']);
export type AuthMode = z.infer<typeof AuthMode>;

/** POST /auth/token and POST /auth/session. Any wrong part answers the same 401 INVALID_CREDENTIALS. */
export const TokenRequest = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) }).strict();
export type TokenRequest = z.infer<typeof TokenRequest>;

/** 200 of POST /auth/token (spec table 5): a bearer JWT and how many seconds it lives. */
export const TokenAnswer = z.object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.int().positive() });
export type TokenAnswer = z.infer<typeof TokenAnswer>;

/** GET /auth/mode: open to anyone, so the web app knows whether to ask for a sign-in. */
export const AuthModeAnswer = z.object({ mode: AuthMode });
export type AuthModeAnswer = z.infer<typeof AuthModeAnswer>;

/** GET /api/v1/auth/session and 200 of POST /auth/session: who is signed in, what they may do, and until when (null: no expiry, the local user). */
export const SessionAnswer = z.object({
  mode: AuthMode,
  actor: Actor,
  scopes: z.array(TokenScope),
  expires_at: z.iso.datetime().nullable(),
});
export type SessionAnswer = z.infer<typeof SessionAnswer>;

/** A user as `npm run user -- list` shows it (never the hash). */
export const UserView = z.object({ username: UserName, tenant: TenantName, scopes: z.array(TokenScope), created_at: z.iso.datetime() });
export type UserView = z.infer<typeof UserView>;
