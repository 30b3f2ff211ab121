import type { BlobStore } from './blob-store.ts';
import { LfsObjectMissingError } from './storage-errors.ts';

/**
 * Copies one object between stores (the project's own objects to S3 on a first download; an
 * object a worker pushed to S3 into the project, for the engine's media routes). Streams; the
 * filesystem store checks the sha256 on the way in. Returns the size copied.
 */
export async function copyObject({ from, to, oid }: { from: BlobStore; to: BlobStore; oid: string }): Promise<number> {
  const size = await from.size(oid);
  if (size === null) throw new LfsObjectMissingError(oid);
  await to.put({ oid, size, body: await from.get(oid) });
  return size;
}
