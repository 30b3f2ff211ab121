import type { Readable } from 'node:stream';

/** Where a client sends or fetches an object's bytes itself: a presigned S3 URL, or the engine's own. */
export interface BlobAction {
  href: string;
  /** Headers the client must send with the request (the signed Content-Type, the engine's auth). */
  header: Record<string, string>;
  /** How long the href stays valid, in seconds. */
  lifetimeS: number;
}

/**
 * Content-addressed storage of media (LFS objects): an object's name is the sha256 of its bytes.
 * The filesystem store is a project's own `.git/lfs/objects`; the S3 store keeps one tenant's
 * objects under `tenants/<tenant>/lfs/objects/`.
 */
export interface BlobStore {
  readonly kind: 'filesystem' | 's3';
  /** The stored size of an object, or null when the store lacks it. */
  size(oid: string): Promise<number | null>;
  /** Stores bytes whose sha256 and size the caller states; the filesystem store checks both. */
  put(input: { oid: string; size: number; body: Readable }): Promise<void>;
  /** The object's bytes; LfsObjectMissingError when the store lacks it. */
  get(oid: string): Promise<Readable>;
  presignUpload(input: { oid: string; size: number; lifetimeS: number }): Promise<BlobAction>;
  presignDownload(input: { oid: string; lifetimeS: number }): Promise<BlobAction>;
}
