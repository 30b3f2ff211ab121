import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.ts';
import { isS3NotFound, s3Failure, type S3Connection } from './s3-connection.ts';
import { s3Presigner, s3Sdk } from './s3-sdk.ts';
import { LfsObjectMissingError } from './storage-errors.ts';
import { tenantObjectKey } from './tenant-key.ts';

const CONTENT_TYPE = 'application/octet-stream';

/**
 * One tenant's objects in S3, keyed `tenants/<tenant>/lfs/objects/<aa>/<bb>/<oid>`. The tenant is
 * the verified one (the caller's job); SigV4 binds each presigned URL to its key, so a URL handed
 * to one tenant cannot be re-pointed at another's object.
 */
export function s3BlobStore({ s3, tenant }: { s3: S3Connection; tenant: string }): BlobStore {
  const key = (oid: string) => tenantObjectKey(tenant, oid);
  return {
    kind: 's3',
    async size(oid) {
      await s3.ready();
      const [{ HeadObjectCommand }, client] = await Promise.all([s3Sdk(), s3.client()]);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key(oid) }));
        return head.ContentLength ?? 0;
      } catch (error) {
        if (isS3NotFound(error)) return null;
        throw s3Failure(s3.endpoint, `look up object ${oid}`, error);
      }
    },
    async put({ oid, size, body }) {
      await s3.ready();
      const [{ PutObjectCommand }, client] = await Promise.all([s3Sdk(), s3.client()]);
      try {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key(oid), Body: body, ContentLength: size, ContentType: CONTENT_TYPE }));
      } catch (error) {
        throw s3Failure(s3.endpoint, `store object ${oid}`, error);
      }
    },
    async get(oid) {
      await s3.ready();
      const [{ GetObjectCommand }, client] = await Promise.all([s3Sdk(), s3.client()]);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key(oid) }));
        return answer.Body as Readable;
      } catch (error) {
        if (isS3NotFound(error)) throw new LfsObjectMissingError(oid);
        throw s3Failure(s3.endpoint, `read object ${oid}`, error);
      }
    },
    async presignUpload({ oid, lifetimeS }) {
      await s3.ready();
      const [{ PutObjectCommand }, { getSignedUrl }, client] = await Promise.all([s3Sdk(), s3Presigner(), s3.client()]);
      // The client must send exactly this Content-Type: it is signed, or git-lfs guesses one S3 refuses.
      const href = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: key(oid), ContentType: CONTENT_TYPE }), {
        expiresIn: lifetimeS,
        signableHeaders: new Set(['content-type']),
      });
      return { href, header: { 'Content-Type': CONTENT_TYPE }, lifetimeS };
    },
    async presignDownload({ oid, lifetimeS }) {
      await s3.ready();
      const [{ GetObjectCommand }, { getSignedUrl }, client] = await Promise.all([s3Sdk(), s3Presigner(), s3.client()]);
      const href = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: key(oid) }), { expiresIn: lifetimeS });
      return { href, header: {}, lifetimeS };
    },
  };
}
