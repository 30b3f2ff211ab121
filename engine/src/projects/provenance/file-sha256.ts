import { createHash } from 'node:crypto';
import { openProjectFile } from '../open-project-file.ts';

const LFS_OID = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\n/;
/** Content hashes by path, size and time: takes and asset versions are immutable, so a file is read once. */
const cache = new Map<string, string>();
const CACHE_LIMIT = 10_000;

/**
 * The sha256 of a project file's content, or null when it is absent (or reached through a link).
 * A Git LFS pointer whose content was never fetched answers the oid it names: the same hash.
 */
export async function fileSha256(projectDir: string, rel: string): Promise<string | null> {
  const file = await openProjectFile(projectDir, rel).catch(() => null);
  if (!file) return null;
  try {
    const info = await file.handle.stat();
    const key = `${file.path}\0${info.size}\0${info.mtimeMs}`;
    const known = cache.get(key);
    if (known) return known;
    if (info.size < 200) {
      const head = (await file.handle.read(Buffer.alloc(200), 0, 200, 0)).buffer.subarray(0, info.size).toString('utf8');
      const oid = LFS_OID.exec(head)?.[1];
      if (oid) return oid;
    }
    const hash = createHash('sha256');
    for await (const chunk of file.handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, digest);
    return digest;
  } finally {
    await file.handle.close().catch(() => undefined);
  }
}
