import type { LfsAction, LfsBatchObject, LfsBatchRequest, LfsBatchResponse, LfsObjectSpec } from '@studio/node-schemas';
import type { BlobAction, BlobStore } from '../storage/blob-store.ts';
import { copyObject } from '../storage/copy-object.ts';
import { mapLimited } from './in-batches.ts';
import { expiresInFor } from './lfs-expiry.ts';

export interface BatchStores {
  /** Where clients send and fetch bytes: S3 when configured, else the project's own store. */
  remote: BlobStore;
  /** The project's own `.git/lfs/objects` when it is not `remote`: the engine's takes, copied to S3 on first download. */
  local: BlobStore | null;
  /** The engine URL a client POSTs `{oid, size}` to after an upload. */
  verifyHref: string;
  /** Headers for engine URLs (the request's own Authorization, when it had one). */
  engineHeader: Record<string, string>;
}

/* S3 round trips per object (HEAD, and a copy on a first download) run a few at a time. */
const PARALLEL = 16;

function toAction(action: BlobAction): LfsAction {
  return { href: action.href, header: action.header, expires_in: expiresInFor(action.lifetimeS) };
}

async function download(stores: BatchStores, object: LfsObjectSpec, lifetimeS: number): Promise<LfsBatchObject> {
  let size = await stores.remote.size(object.oid);
  if (size === null && stores.local && (await stores.local.size(object.oid)) !== null) {
    size = await copyObject({ from: stores.local, to: stores.remote, oid: object.oid });
  }
  if (size === null) return { ...object, error: { code: 404, message: `object ${object.oid} is not in the store` } };
  const action = await stores.remote.presignDownload({ oid: object.oid, lifetimeS });
  return { oid: object.oid, size, authenticated: true, actions: { download: toAction(action) } };
}

/** S3's largest single PUT; stock git-lfs has no multipart upload, so larger objects cannot go to S3. */
export const S3_SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

async function upload(stores: BatchStores, object: LfsObjectSpec, lifetimeS: number): Promise<LfsBatchObject> {
  if (stores.remote.kind === 's3' && object.size > S3_SINGLE_PUT_LIMIT)
    return { ...object, error: { code: 422, message: `object ${object.oid} is ${object.size} bytes: over S3's single-upload limit of 5 GiB` } };
  const size = await stores.remote.size(object.oid);
  // Already stored: no actions, the client skips it.
  if (size === object.size) return { ...object, authenticated: true };
  const action = await stores.remote.presignUpload({ oid: object.oid, size: object.size, lifetimeS });
  const verify: BlobAction = { href: stores.verifyHref, header: { ...stores.engineHeader }, lifetimeS };
  return { ...object, authenticated: true, actions: { upload: toAction(action), verify: toAction(verify) } };
}

/**
 * The answer to one Batch API request: per object an action (a presigned S3 URL or an engine URL),
 * no action for an upload the store already has, or a per-object error. A store that fails
 * (S3 down) throws, and the whole request is answered 503.
 */
export async function answerBatch({
  request,
  stores,
  lifetimeS,
}: {
  request: LfsBatchRequest;
  stores: BatchStores;
  lifetimeS: number;
}): Promise<LfsBatchResponse> {
  const op = request.operation === 'upload' ? upload : download;
  const objects = await mapLimited(request.objects, PARALLEL, (object) => op(stores, object, lifetimeS));
  return { transfer: 'basic', objects, hash_algo: 'sha256' };
}
