import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobMismatchError } from './storage-errors.ts';

/**
 * Streams bytes into `target` through a temporary file in `tmpDir` (same filesystem), hashing as
 * they pass; the file is renamed into place only when the sha256 and the size are the ones stated.
 * Nothing is held in memory, and a short or wrong upload leaves nothing behind.
 */
export async function receiveObject({
  body,
  oid,
  size,
  target,
  tmpDir,
}: {
  body: Readable;
  oid: string;
  size: number;
  target: string;
  tmpDir: string;
}): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${oid}-${randomBytes(6).toString('hex')}.part`);
  const hash = createHash('sha256');
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > size) return done(new BlobMismatchError(`more than the stated ${size} bytes for ${oid}`, { oid, size }));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(tmp));
    if (received !== size) throw new BlobMismatchError(`${received} bytes received for ${oid}, ${size} stated`, { oid, size, received });
    const actual = hash.digest('hex');
    if (actual !== oid) throw new BlobMismatchError(`the bytes sent hash to ${actual}, not ${oid}`, { oid, actual });
    await mkdir(dirname(target), { recursive: true });
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}
