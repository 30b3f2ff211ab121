import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeFile } from './tree-files.ts';

/** Stat calls per turn of the event loop: 20,000 files must not stall every socket of the engine. */
const STATS_PER_TURN = 2000;

/**
 * Writes `.git/index` (format version 2, docs: gitformat-index) for a tree whose files are all in
 * the working tree, each entry with the stat data of the file there. Why not `git update-index
 * --refresh`: a file in the working tree that is a hard link to an LFS object differs in size from
 * the pointer git would have checked out, and refreshing it runs the LFS clean filter, which copies
 * every media file into the repository's own LFS store: the very copy a fork must not make. With
 * the stat data right, git trusts the entries and never reads the media.
 */
export async function writeIndex(dir: string, files: readonly TreeFile[]): Promise<void> {
  const entries = files.map((file) => ({ file, path: Buffer.from(file.path) }));
  entries.sort((a, b) => Buffer.compare(a.path, b.path));
  const size = 12 + entries.reduce((sum, { path }) => sum + entryLength(path.length), 0);
  const index = Buffer.alloc(size);
  index.write('DIRC', 0, 'latin1');
  index.writeUInt32BE(2, 4);
  index.writeUInt32BE(entries.length, 8);
  let at = 12;
  const u32 = (n: bigint) => Number(n & 0xffffffffn);
  for (let i = 0; i < entries.length; i++) {
    if (i && i % STATS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const { file, path } = entries[i]!;
    const s = lstatSync(join(dir, file.path), { bigint: true });
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
    for (let k = 0; k < fields.length; k++) index.writeUInt32BE(u32(fields[k]!), at + k * 4);
    index.write(file.blob, at + 40, 'hex');
    index.writeUInt16BE(Math.min(path.length, 0xfff), at + 60);
    path.copy(index, at + 62);
    at += entryLength(path.length);
  }
  await writeFile(join(dir, '.git', 'index'), Buffer.concat([index, createHash('sha1').update(index).digest()]));
}

/** 62 bytes of fixed fields, the path, and 1 to 8 NULs that end the path and pad the entry to a multiple of 8. */
const entryLength = (pathLength: number) => {
  const length = 62 + pathLength;
  return length + (8 - (length % 8));
};
