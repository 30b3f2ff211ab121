// The one function, not the whole of jose (about 30 ms of a start): tokens are verified by access-token.ts.
import { decodeJwt } from 'jose/jwt/decode';
import { signAccessToken, verifyAccessToken } from '../../auth/access-token.ts';
import { Keyring } from '../../auth/jwt-keyring.ts';

/** Where the engine leaves a running job's token for the worker that holds the job (Redis). */
export const jobTokenKey = (jobId: string) => `studio:job-token:${jobId}`;
/** A hard cap: a job token is refused once its job is no longer running, and after this at the latest. */
const MAX_TTL_S = 24 * 3600;

export interface JobClaims {
  job: string;
  project: string;
  tenant: string;
  worker?: string;
}

/** The tenant a job token names (read without verifying: the worker only uses it to build its clone URL). */
export function tenantOfJobToken(token: string | null): string | undefined {
  if (!token) return undefined;
  try {
    const tenant = decodeJwt(token).tenant;
    return typeof tenant === 'string' ? tenant : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a token is a job token (`kind: worker`), read without verifying it: the gate then verifies it as one. */
export function isJobToken(token: string): boolean {
  try {
    return decodeJwt(token).kind === 'worker';
  } catch {
    return false;
  }
}

/**
 * Tokens a stateless worker's git requests carry (spec 8.3): the studio's access tokens of kind
 * `worker` (engine/src/auth/access-token.ts, signed with the workspace keyring), scoped to one
 * project of one tenant for one job, and valid only while that job runs: `verify` asks whether the
 * job still holds its lease (`isRunning`), so a token outlives neither a finished nor a taken-over job.
 */
export class JobTokens {
  readonly #keyring: Keyring;
  constructor(
    home: string,
    readonly isRunning: (jobId: string) => Promise<boolean>,
  ) {
    this.#keyring = new Keyring(home);
  }

  async mint({ job, project, tenant, worker }: JobClaims): Promise<string> {
    const { token } = await signAccessToken({
      keyring: this.#keyring,
      subject: { username: job, tenant, scopes: ['projects:read', 'projects:write'], job: { project, id: job }, ...(worker ? { displayName: worker } : {}) },
      ttlS: MAX_TTL_S,
    });
    return token;
  }

  /** The token's claims while its job runs; null for a bad signature, an expired token, a user's token or a job no longer running. */
  async verify(token: string): Promise<JobClaims | null> {
    try {
      const claims = await verifyAccessToken(this.#keyring, token);
      if (claims.kind !== 'worker' || !claims.job || !claims.prj) return null;
      if (!(await this.isRunning(claims.job))) return null;
      return { job: claims.job, project: claims.prj, tenant: claims.tenant, ...(claims.name ? { worker: claims.name } : {}) };
    } catch {
      return null;
    }
  }
}

/** Whether a request is to the one repository a job token is for: a `/git/:tenant/:repo/...` route of its project. */
export function jobTokenAllows(claims: JobClaims, routeUrl: string | undefined, params: unknown): boolean {
  if (!routeUrl?.startsWith('/git/:tenant/:repo/')) return false;
  const { tenant, repo } = (params ?? {}) as { tenant?: string; repo?: string };
  return tenant === claims.tenant && repo === `${claims.project}.git`;
}

/**
 * What the startup-token gate does with a presented token that is a job token: the worker's actor
 * when the token is valid now and the request is to its one repository, else null (refused as usual).
 */
export async function jobTokenActor(
  tokens: JobTokens | undefined,
  token: string | null,
  routeUrl: string | undefined,
  params: unknown,
): Promise<{ kind: 'worker'; id: string; name: string; tenant: string; job: string } | null> {
  if (!tokens || !token || !isJobToken(token)) return null;
  const claims = await tokens.verify(token);
  if (!claims || !jobTokenAllows(claims, routeUrl, params)) return null;
  return { kind: 'worker', id: claims.job, name: claims.worker ?? `job ${claims.job}`, tenant: claims.tenant, job: claims.job };
}
