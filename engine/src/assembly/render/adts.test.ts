import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SILENT_FRAME, splitAdts } from './adts.ts';

/** The 7-byte ADTS header (AAC-LC, 48 kHz, stereo, no CRC) for one raw frame. */
function adtsHeader(payloadBytes: number): Buffer {
  const length = payloadBytes + 7;
  return Buffer.from([0xff, 0xf1, (1 << 6) | (3 << 2), (2 << 6) | (length >> 11), (length >> 3) & 0xff, ((length & 7) << 5) | 0x1f, 0xfc]);
}

const run = promisify(execFile);

describe('ADTS', () => {
  it('frames raw AAC so ffmpeg decodes the silent frame to stereo zeros, 1024 samples each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adts-'));
    try {
      const stream = Buffer.concat(Array.from({ length: 10 }, () => [adtsHeader(SILENT_FRAME.length), SILENT_FRAME]).flat());
      expect(splitAdts(stream)).toHaveLength(10);
      await writeFile(join(dir, 'silence.aac'), stream);
      const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', join(dir, 'silence.aac'), '-f', 's16le', '-ac', '2', '-'], {
        encoding: 'buffer',
        maxBuffer: 1 << 24,
      });
      expect(stdout.length).toBe(10 * 1024 * 2 * 2);
      expect(stdout.every((b) => b === 0)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
