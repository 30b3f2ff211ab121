import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Actor, TokenScope } from '@studio/node-schemas';
import { signAccessToken, verifyAccessToken, type AccessClaims } from './access-token.ts';
import { UnauthorizedError } from './auth-errors.ts';
import { Keyring } from './jwt-keyring.ts';
import { dummyHash } from './password-hash.ts';
import { looksLikeJwt, presentedCredentials } from './presented-credentials.ts';
import { signIn } from './sign-in.ts';
import { SignInLimiter } from './sign-in-limiter.ts';
import { UserStore, type StoredUser } from './user-store.ts';
import type { Workspace } from '../projects/workspace.ts';

/** Who a verified request comes from, what it may do, and until when (seconds since the epoch). */
export interface Authenticated {
  actor: Actor;
  scopes: TokenScope[];
  expiresAt: number;
  /** A worker's job token reaches this one project, over git only. */
  project?: string;
}

/** Verified tokens kept (their claims), so a busy client's token is not verified again on every request. */
const VERIFIED_CACHE_SIZE = 10_000;

/** How long a git client's Basic username:password stays checked (git sends it on every request of a clone). */
const PASSWORD_CACHE_MS = 60_000;

export function userActor(user: { username: string; tenant: string }): Actor {
  return { kind: 'user', id: user.username, name: user.username, tenant: user.tenant };
}

/** Multi-user mode's users, signing keys and sign-in limits for one workspace. */
export class AuthService {
  readonly users: UserStore;
  readonly keyring: Keyring;
  readonly limiter = new SignInLimiter();
  readonly #passwordCache = new Map<string, { user: StoredUser; until: number }>();
  readonly #verified = new Map<string, AccessClaims>();
  #verifiedGeneration = 0;
  /** Whether a job still runs (holds its lease): a job token is refused once it does not. Unset: no job token passes. */
  jobLease: ((jobId: string) => Promise<boolean>) | undefined;

  constructor(
    readonly home: string,
    readonly ttlS: number,
  ) {
    this.users = new UserStore(home);
    this.keyring = new Keyring(home);
    // Made now, so the first sign-in of an unknown user does not take longer than the rest.
    void dummyHash();
  }

  async issueToken(user: StoredUser): Promise<{ token: string; expiresIn: number; expiresAt: number }> {
    const { token, expiresAt } = await signAccessToken({
      keyring: this.keyring,
      subject: { username: user.username, tenant: user.tenant, scopes: user.scopes, epoch: user.tokenEpoch },
      ttlS: this.ttlS,
    });
    return { token, expiresIn: this.ttlS, expiresAt };
  }

  signIn({ username, password, address }: { username: string; password: string; address: string }): Promise<StoredUser> {
    return signIn({ users: this.users, limiter: this.limiter, username, password, address });
  }

  /** A token's claims, checked against the user as it is now: a removed user, or one moved to another tenant, is refused at once. */
  async #fromToken(token: string, basicUser?: string): Promise<Authenticated> {
    const claims = await this.#verify(token);
    if (claims.kind === 'worker') {
      if (this.users.isRevoked(claims.jti)) throw new UnauthorizedError('this token was signed out');
      // A job token (engine/src/jobs/stateless/job-token.ts) lives as long as its job's lease.
      if (!this.jobLease || !(await this.jobLease(claims.job!))) throw new UnauthorizedError('the job of this token is no longer running');
      const actor: Actor = { kind: 'worker', id: claims.sub, name: claims.name ?? claims.sub, tenant: claims.tenant, job: claims.job! };
      return { actor, scopes: claims.scope, expiresAt: claims.exp, project: claims.prj! };
    }
    if (basicUser !== undefined && basicUser !== claims.sub) throw new UnauthorizedError('the Basic auth user is not the user of the token');
    const user = this.users.find(claims.sub);
    if (!user || user.tenant !== claims.tenant) throw new UnauthorizedError('the user of this token no longer exists: sign in again');
    if (user.tokenEpoch !== claims.ep) throw new UnauthorizedError('this token was signed out (a new password, or signed out everywhere): sign in again');
    if (this.users.isRevoked(claims.jti)) throw new UnauthorizedError('this token was signed out: sign in again');
    return { actor: userActor(user), scopes: claims.scope.filter((s) => user.scopes.includes(s)), expiresAt: claims.exp };
  }

  /** verifyAccessToken, remembered per token until it expires or the keyring changes (a rotation or a removed kid). */
  async #verify(token: string): Promise<AccessClaims> {
    this.keyring.current();
    if (this.#verifiedGeneration !== this.keyring.generation) {
      this.#verified.clear();
      this.#verifiedGeneration = this.keyring.generation;
    }
    const known = this.#verified.get(token);
    if (known && known.exp > Date.now() / 1000) return known;
    const claims = await verifyAccessToken(this.keyring, token);
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, claims);
    return claims;
  }

  async #fromPassword(username: string, password: string, address: string): Promise<Authenticated> {
    const key = createHash('sha256').update(`${username}\0${password}`).digest('base64url');
    const cached = this.#passwordCache.get(key);
    let user: StoredUser;
    if (cached && cached.until > Date.now() && this.users.find(username)?.passwordHash === cached.user.passwordHash) user = cached.user;
    else {
      user = await this.signIn({ username, password, address });
      if (this.#passwordCache.size > 1000) this.#passwordCache.clear();
      this.#passwordCache.set(key, { user, until: Date.now() + PASSWORD_CACHE_MS });
    }
    return { actor: userActor(user), scopes: [...user.scopes], expiresAt: Math.floor((Date.now() + PASSWORD_CACHE_MS) / 1000) };
  }

  /**
   * Verifies what a request presents: a bearer JWT (header, X-Studio-Token, `?token=`, the session
   * cookie), or HTTP Basic with a token as the password, or (only where `allowPassword`, the git
   * routes) Basic with the user's own password. Throws UnauthorizedError, TokenExpiredError,
   * InvalidCredentialsError or TooManyAttemptsError.
   */
  async authenticate({
    headers,
    url,
    address,
    allowPassword,
  }: {
    headers: IncomingHttpHeaders;
    url: string;
    address: string;
    allowPassword: boolean;
  }): Promise<Authenticated> {
    const presented = presentedCredentials(headers, url);
    if (presented.kind === 'bearer') return this.#fromToken(presented.token);
    if (presented.kind === 'basic') {
      if (looksLikeJwt(presented.secret)) return this.#fromToken(presented.secret, presented.username);
      if (allowPassword) return this.#fromPassword(presented.username, presented.secret, address);
      throw new UnauthorizedError('a password is accepted by the git routes only: send a token from POST /auth/token');
    }
    throw new UnauthorizedError();
  }

  /** Signs out the token a request presents (bearer, cookie, Basic user:token), if it is a valid one; anything else is left alone. */
  async revokePresented({ headers, url }: { headers: IncomingHttpHeaders; url: string }): Promise<boolean> {
    const presented = presentedCredentials(headers, url);
    const token = presented.kind === 'bearer' ? presented.token : presented.kind === 'basic' && looksLikeJwt(presented.secret) ? presented.secret : null;
    if (!token) return false;
    const claims = await this.#verify(token).catch(() => null);
    if (!claims) return false;
    this.users.revokeToken({ jti: claims.jti, exp: claims.exp });
    this.#verified.delete(token);
    return true;
  }

  close(): void {
    this.users.close();
  }
}

const services = new WeakMap<Workspace, AuthService>();

/** The one AuthService of an engine's workspace (the gate, the auth routes and the WebSocket upgrade share it). */
export function authServiceFor({
  workspace,
  settings,
  jobTokens,
}: {
  workspace: Workspace;
  settings: { tokenTtlS: number };
  jobTokens?: { isRunning: (jobId: string) => Promise<boolean> };
}): AuthService {
  let service = services.get(workspace);
  if (!service) {
    service = new AuthService(workspace.home, settings.tokenTtlS);
    services.set(workspace, service);
  }
  if (jobTokens) service.jobLease = jobTokens.isRunning;
  return service;
}

/** Closes and forgets a workspace's AuthService (the app's onClose). */
export function closeAuthService(workspace: Workspace): void {
  services.get(workspace)?.close();
  services.delete(workspace);
}
