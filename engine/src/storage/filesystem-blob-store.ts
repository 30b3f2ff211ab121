import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobAction, BlobStore } from './blob-store.ts';
import { localObjectPath } from './oid.ts';
import { receiveObject } from './receive-object.ts';
import { LfsObjectMissingError } from './storage-errors.ts';

export async function localObjectSize(projectDir: string, oid: string): Promise<number | null> {
  try {
    const info = await stat(localObjectPath(projectDir, oid));
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
      if ((await localObjectSize(projectDir, oid)) === null) throw new LfsObjectMissingError(oid);
      return createReadStream(localObjectPath(projectDir, oid));
    },
    presignUpload: async ({ oid, lifetimeS }) => action(oid, lifetimeS, { 'Content-Type': 'application/octet-stream' }),
    presignDownload: async ({ oid, lifetimeS }) => action(oid, lifetimeS),
  };
}
