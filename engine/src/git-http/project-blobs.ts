import type { BlobStore } from '../storage/blob-store.ts';
import { filesystemBlobStore } from '../storage/filesystem-blob-store.ts';
import type { S3Connection } from '../storage/s3-connection.ts';
import { s3BlobStore } from '../storage/s3-blob-store.ts';
import type { BatchStores } from './lfs-batch.ts';
import type { RepoTarget } from './repo-target.ts';

/**
 * The stores behind one repository's Batch API: S3 under the project's tenant when configured
 * (with the project's own objects to copy from), else the project's `.git/lfs/objects` served
 * through the engine's URLs under `lfsHref`. `own` is always the project's own store.
 */
export function projectBlobs({
  target,
  s3,
  lfsHref,
  engineHeader,
}: {
  target: RepoTarget;
  s3: S3Connection | null;
  /** `<engine>/git/<tenant>/<project>.git/info/lfs` as the client reached it. */
  lfsHref: string;
  engineHeader: Record<string, string>;
}): { batch: BatchStores; own: BlobStore } {
  const local = filesystemBlobStore({ projectDir: target.dir, objectsHref: `${lfsHref}/objects`, header: engineHeader });
  const verifyHref = `${lfsHref}/verify`;
  if (!s3) return { batch: { remote: local, local: null, verifyHref, engineHeader }, own: local };
  return { batch: { remote: s3BlobStore({ s3, tenant: target.tenant }), local, verifyHref, engineHeader }, own: local };
}
