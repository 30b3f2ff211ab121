import { z } from 'zod';

/*
 * The Git LFS Batch API as the git-lfs client speaks it (git-lfs docs/api/batch.md), served at
 * `/git/<tenant>/<project>.git/info/lfs/objects/batch` (docs/git-and-lfs-over-http.md).
 */

export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';

export const LfsOid = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lower-case hex');
export const LfsObjectSpec = z.object({ oid: LfsOid, size: z.int().nonnegative() });
export type LfsObjectSpec = z.infer<typeof LfsObjectSpec>;

export const LfsBatchRequest = z.object({
  operation: z.enum(['upload', 'download']),
  transfers: z.array(z.string()).optional(),
  ref: z.object({ name: z.string() }).loose().nullable().optional(),
  objects: z.array(LfsObjectSpec).max(10_000),
  hash_algo: z.string().optional(),
});
export type LfsBatchRequest = z.infer<typeof LfsBatchRequest>;

export const LfsAction = z.object({
  href: z.string(),
  header: z.record(z.string(), z.string()).optional(),
  /** Seconds; a little below the URL's real lifetime (the client treats an action as expired 5 s early). */
  expires_in: z.int().optional(),
});
export type LfsAction = z.infer<typeof LfsAction>;

export const LfsObjectError = z.object({ code: z.int(), message: z.string() });

export const LfsBatchObject = LfsObjectSpec.extend({
  authenticated: z.boolean().optional(),
  actions: z.object({ upload: LfsAction.optional(), verify: LfsAction.optional(), download: LfsAction.optional() }).optional(),
  /** Per-object errors keep the answer's status 200. */
  error: LfsObjectError.optional(),
});
export type LfsBatchObject = z.infer<typeof LfsBatchObject>;

export const LfsBatchResponse = z.object({
  transfer: z.literal('basic'),
  objects: z.array(LfsBatchObject),
  hash_algo: z.literal('sha256').optional(),
});
export type LfsBatchResponse = z.infer<typeof LfsBatchResponse>;

/** A whole-request error of the Batch API (401, 403, 404, 422, 503, ...). */
export const LfsErrorBody = z.object({ message: z.string(), request_id: z.string().optional(), documentation_url: z.string().optional() });
export type LfsErrorBody = z.infer<typeof LfsErrorBody>;
