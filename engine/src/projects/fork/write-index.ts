import { createHash } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeFile } from './tree-files.ts';

/**
 * Writes `.git/index` (format version 2, docs: gitformat-index) for a tree whose files are all in
 * the working tree, each entry with the stat data of the file there. Why not `git update-index
 * --refresh`: a file in the working tree that is a hard link to an LFS object differs in size from
 * the pointer git checked out, and refreshing it runs the LFS clean filter, which copies every
 * media file into the repository's own LFS store: the very copy a fork must not make. With the
 * stat data right, git trusts the entries and never reads the media.
 */
export async function writeIndex(dir: string, files: readonly TreeFile[]): Promise<void> {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const stats = await Promise.all(sorted.map((f) => lstat(join(dir, f.path), { bigint: true })));
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  const u32 = (n: bigint) => Number(n & 0xffffffffn);
  sorted.forEach((file, i) => {
    const s = stats[i]!;
    const path = Buffer.from(file.path);
    const length = 62 + path.length;
    const entry = Buffer.alloc(length + (8 - (length % 8)));
    const fields = [
      s.ctimeNs / 1_000_000_000n,
      s.ctimeNs % 1_000_000_000n,
      s.mtimeNs / 1_000_000_000n,
      s.mtimeNs % 1_000_000_000n,
      s.dev,
      s.ino,
      BigInt(file.mode),
      s.uid,
      s.gid,
      s.size,
    ];
    fields.forEach((value, k) => entry.writeUInt32BE(u32(value), k * 4));
    entry.write(file.blob, 40, 'hex');
    entry.writeUInt16BE(Math.min(path.length, 0xfff), 60);
    path.copy(entry, 62);
    parts.push(entry);
  });
  const body = Buffer.concat(parts);
  await writeFile(join(dir, '.git', 'index'), Buffer.concat([body, createHash('sha1').update(body).digest()]));
}
