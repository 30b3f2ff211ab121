import { randomUUID } from 'node:crypto';
import type { JWTHeaderParameters } from 'jose';
import { z } from 'zod';
import { TenantName, TokenScope, UserName, type TokenScope as Scope } from '@studio/node-schemas';
import { TokenExpiredError, UnauthorizedError } from './auth-errors.ts';
import type { Keyring } from './jwt-keyring.ts';

/** jose, loaded at the first token signed or verified: about 30 ms of a start that may need none (loopback, no stateless workers). */
let loaded: Promise<typeof import('jose')> | null = null;
const jose = () => (loaded ??= import('jose'));

const ISSUER = 'studio-engine';
const AUDIENCE = 'studio';

/** The claims of a studio access token, as verified. */
const Claims = z.object({
  /** A user's name, or for a worker's job token the job it acts for. */
  sub: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/),
  /** Absent: a user's token. `worker`: a job token (issueJobToken), bound to one project. */
  kind: z.enum(['user', 'worker']).default('user'),
  /** A job token's one project, and its job. */
  prj: z.string().min(1).max(200).optional(),
  job: z.string().min(1).max(200).optional(),
  tenant: TenantName,
  /** Space-separated, as OAuth writes scopes. */
  scope: z.string().transform((s, ctx) => {
    const scopes = s.split(' ').filter(Boolean);
    for (const one of scopes) if (!TokenScope.safeParse(one).success) ctx.addIssue({ code: 'custom', message: `unknown scope '${one}'` });
    return scopes as Scope[];
  }),
  name: z.string().min(1).max(200).optional(),
  /** The user's token epoch when it was issued (user-store.ts). */
  ep: z.int().nonnegative().default(0),
  exp: z.number(),
  iat: z.number(),
  jti: z.string().min(1),
});
export type AccessClaims = z.infer<typeof Claims>;
// A user's token names a user: the stricter name alphabet applies to it.
const UserClaims = Claims.refine((c) => c.kind !== 'user' || UserName.safeParse(c.sub).success, { message: 'not a user name' }).refine(
  (c) => c.kind !== 'worker' || (c.prj !== undefined && c.job !== undefined),
  { message: 'a job token names its project and job' },
);

export interface TokenSubject {
  username: string;
  tenant: string;
  scopes: readonly Scope[];
  /** Shown as the actor's name; the username when absent. */
  displayName?: string;
  /** The user's token epoch (0 when absent). */
  epoch?: number;
  /** A worker's job token: the one project it may reach and the job it acts for. */
  job?: { project: string; id: string };
}

/** Signs an HS256 JWT with the keyring's current key (its kid in the header). `expiresAt` (seconds since the epoch) wins over `ttlS` (tests sign expired tokens with it). */
export async function signAccessToken({
  keyring,
  subject,
  ttlS,
  expiresAt,
}: {
  keyring: Keyring;
  subject: TokenSubject;
  ttlS: number;
  expiresAt?: number;
}): Promise<{ token: string; expiresAt: number; jti: string }> {
  const { kid, secret } = keyring.current();
  const now = Math.floor(Date.now() / 1000);
  const exp = expiresAt ?? now + ttlS;
  const jti = randomUUID();
  const { SignJWT } = await jose();
  const token = await new SignJWT({
    tenant: subject.tenant,
    scope: subject.scopes.join(' '),
    ep: subject.epoch ?? 0,
    ...(subject.job ? { kind: 'worker', prj: subject.job.project, job: subject.job.id } : {}),
    ...(subject.displayName ? { name: subject.displayName } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(subject.username)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(secret);
  return { token, expiresAt: exp, jti };
}

/** The verified claims, or UnauthorizedError (malformed, bad signature, unknown kid, wrong issuer) / TokenExpiredError. */
export async function verifyAccessToken(keyring: Keyring, token: string): Promise<AccessClaims> {
  const { errors, jwtVerify } = await jose();
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const secret = header.kid ? keyring.secretOf(header.kid) : null;
        if (!secret) throw new UnauthorizedError('the token was signed with a key this engine does not know (rotated out?): sign in again');
        return secret;
      },
      { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['sub', 'exp', 'iat', 'jti'] },
    ));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenExpiredError();
    if (error instanceof UnauthorizedError) throw error;
    throw new UnauthorizedError('the token is not valid: sign in again');
  }
  const claims = UserClaims.safeParse(payload);
  if (!claims.success) throw new UnauthorizedError('the token is not valid: sign in again');
  return claims.data;
}
