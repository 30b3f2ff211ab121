import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobAction, BlobStore } from './blob-store.ts';
import { localObjectPath } from './oid.ts';
import { findLfsObject, lfsObjectStores } from './lfs-stores.ts';
import { receiveObject } from './receive-object.ts';
import { LfsObjectMissingError } from './storage-errors.ts';

/**
 * Where a project's LFS object is: its own store, else (a fork) the store of the ancestor it
 * inherited the object from, where git-lfs itself would look. Null when none has it.
 */
export function findProjectObject(projectDir: string, oid: string): string | null {
  const own = localObjectPath(projectDir, oid);
  if (existsSync(own)) return own;
  try {
    return findLfsObject(lfsObjectStores(projectDir), oid);
  } catch {
    return null;
  }
}

export async function localObjectSize(projectDir: string, oid: string): Promise<number | null> {
  const path = findProjectObject(projectDir, oid);
  if (!path) return null;
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

/**
 * The default store: a project's own `.git/lfs/objects`, where its takes already are. It has no
 * URLs of its own: clients send and fetch bytes through the engine (`objectsHref`), with the
 * engine's auth header when the request had one.
 */
export function filesystemBlobStore({
  projectDir,
  objectsHref,
  header = {},
}: {
  projectDir: string;
  /** `<engine>/git/<tenant>/<project>.git/info/lfs/objects` as the client reached it. */
  objectsHref: string;
  header?: Record<string, string>;
}): BlobStore {
  const action = (oid: string, lifetimeS: number, extra: Record<string, string> = {}): BlobAction => ({
    href: `${objectsHref}/${oid}`,
    header: { ...header, ...extra },
    lifetimeS,
  });
  return {
    kind: 'filesystem',
    size: (oid) => localObjectSize(projectDir, oid),
    async put({ oid, size, body }: { oid: string; size: number; body: Readable }) {
      await receiveObject({ body, oid, size, target: localObjectPath(projectDir, oid), tmpDir: join(projectDir, '.git', 'lfs', 'tmp') });
    },
    async get(oid) {
      const path = findProjectObject(projectDir, oid);
      if (!path || (await localObjectSize(projectDir, oid)) === null) throw new LfsObjectMissingError(oid);
      return createReadStream(path);
    },
    presignUpload: async ({ oid, lifetimeS }) => action(oid, lifetimeS, { 'Content-Type': 'application/octet-stream' }),
    presignDownload: async ({ oid, lifetimeS }) => action(oid, lifetimeS),
  };
}
