import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingFileSink } from './hashing-file-sink.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sink-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** `total` bytes in chunks of uneven sizes, as a socket delivers them. */
function chunks(total: number): Buffer[] {
  const out: Buffer[] = [];
  for (let left = total, i = 0; left > 0; i++) {
    const n = Math.min(left, [65536, 1, 4093, 300_000][i % 4]!);
    out.push(randomBytes(n));
    left -= n;
  }
  return out;
}

describe('HashingFileSink (the upload written and hashed in one pass)', () => {
  it('writes every byte and hashes them, past several batches', async () => {
    for (const size of [0, 70_000, 140 * 1024 * 1024 + 17]) {
      const parts = chunks(size);
      const path = join(scratch, `file-${size}`);
      const sink = new HashingFileSink(path);
      await pipeline(Readable.from(parts), sink);
      const bytes = await readFile(path);
      expect(bytes.length).toBe(size);
      expect(sink.size).toBe(size);
      expect(bytes.equals(Buffer.concat(parts))).toBe(true);
      expect(sink.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('never writes over an existing file, and fails the pipeline when its source fails mid-way', async () => {
    const taken = join(scratch, 'taken');
    await writeFile(taken, 'keep me');
    await expect(pipeline(Readable.from([Buffer.from('x')]), new HashingFileSink(taken))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(taken, 'utf8')).toBe('keep me');

    const failing = Readable.from(
      (async function* () {
        for (const part of chunks(24 * 1024 * 1024)) yield part;
        throw new Error('connection reset');
      })(),
    );
    const sink = new HashingFileSink(join(scratch, 'cut'));
    await expect(pipeline(failing, sink)).rejects.toThrow('connection reset');
    expect(() => sink.sha256).toThrow(/not finished/);
  });
});
