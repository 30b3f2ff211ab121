import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { studioDir } from '../../auth/studio-dir.ts';

/** The JWT `typ` that marks a job token, so a gate tells it from a user's token without verifying both. */
export const JOB_TOKEN_TYPE = 'studio-job+jwt';
/** Where the engine leaves a running job's token for the worker that holds the job (Redis). */
export const jobTokenKey = (jobId: string) => `studio:job-token:${jobId}`;
/** A hard cap: a job token is refused once its job is no longer running, and after this at the latest. */
const MAX_TTL_S = 24 * 3600;

const JobClaims = z.object({
  job: z.string().min(1).max(200),
  project: z.string().min(1).max(200),
  tenant: z.string().min(1).max(64),
  worker: z.string().max(200).optional(),
});
export type JobClaims = z.infer<typeof JobClaims>;

/** The engine's signing secret for job tokens, made on first use (mode 0600), under `<STUDIO_HOME>/.studio`. */
function jobSecret(home: string): Uint8Array {
  const path = join(studioDir(home), 'job-token.key');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } catch {
    const secret = randomBytes(32);
    try {
      writeFileSync(path, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process wrote it first: use theirs.
      return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    }
  }
}

export function isJobToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === JOB_TOKEN_TYPE;
  } catch {
    return false;
  }
}

/**
 * Tokens a stateless worker's git requests carry (spec 8.3): scoped to one project of one tenant,
 * for one job, and valid only while that job runs: `verify` asks whether the job still holds its
 * lease (`isRunning`), so a token outlives neither a finished nor a taken-over job.
 */
export class JobTokens {
  readonly #secret: Uint8Array;
  constructor(
    home: string,
    private readonly isRunning: (jobId: string) => Promise<boolean>,
  ) {
    this.#secret = jobSecret(home);
  }

  async mint(claims: JobClaims): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: JOB_TOKEN_TYPE })
      .setIssuedAt()
      .setExpirationTime(`${MAX_TTL_S}s`)
      .sign(this.#secret);
  }

  /** The token's claims while its job runs; null for a bad signature, an expired token or a job no longer running. */
  async verify(token: string): Promise<JobClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, { typ: JOB_TOKEN_TYPE, algorithms: ['HS256'] });
      const claims = JobClaims.parse(payload);
      return (await this.isRunning(claims.job)) ? claims : null;
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
 * What a gate does with a presented token that is a job token: the worker's actor when the token is
 * valid now and the request is to its one repository, else null (the gate then refuses as usual).
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
  const name = claims.worker ?? `job ${claims.job}`;
  return { kind: 'worker', id: claims.worker?.replace(/[^A-Za-z0-9._-]/g, '_') ?? 'job', name, tenant: claims.tenant, job: claims.job };
}
