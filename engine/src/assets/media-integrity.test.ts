import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMediaIntegrity } from './media-integrity.ts';
import { probeMedia } from './media-probe.ts';

// Real ffmpeg and ffprobe on files made here: whole ones, ones cut short, ones with garbage inside.
let scratch: string;
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
const video = (name: string, ...codec: string[]) =>
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=8', '-pix_fmt', 'yuv420p', '-g', '25', ...codec, join(scratch, name));

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'integrity-'));
  video('clip.mkv');
  video('raw.mkv', '-c:v', 'rawvideo');
  video('fast.mp4', '-movflags', '+faststart');
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=6',
    '-c:v',
    'libvpx-vp9',
    '-b:v',
    '200k',
    '-deadline',
    'realtime',
    join(scratch, 'clip.webm'),
  );
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=8', join(scratch, 'tone.wav'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=8', join(scratch, 'tone.flac'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of a fixture cut to `fraction` of its bytes, or with 2000 bytes of garbage at its middle. */
async function damaged(name: string, how: { cut: number } | 'garbage'): Promise<string> {
  const bytes = await readFile(join(scratch, name));
  const out = join(scratch, `${how === 'garbage' ? 'garbage' : `cut${how.cut}`}-${name}`);
  if (how === 'garbage') {
    const copy = Buffer.from(bytes);
    const middle = Math.floor(copy.length / 2);
    for (let i = 0; i < 2000; i++) copy[middle + i] = (i * 131 + 7) & 0xff;
    await writeFile(out, copy);
  } else await writeFile(out, bytes.subarray(0, Math.floor(bytes.length * how.cut)));
  return out;
}

/** The check as the upload route runs it; `spans` forces the start/middle/end decode whatever the size. */
async function check(path: string, { spans }: { spans: boolean }) {
  const { media, stream } = await probeMedia(path, 'clip');
  const poster = join(scratch, `poster-${Math.random().toString(36).slice(2)}.jpg`);
  await checkMediaIntegrity({
    path,
    name: 'clip',
    size: (await stat(path)).size,
    kind: media.kind,
    stream: stream!,
    poster,
    fullDecodeMaxBytes: spans ? 0 : Number.MAX_SAFE_INTEGER,
  });
  return { media, poster };
}

describe('media integrity (every packet read, decode whole or in spans, real ffmpeg)', () => {
  it('accepts whole files in both modes, and the span decode writes the poster', async () => {
    for (const name of ['clip.mkv', 'raw.mkv', 'fast.mp4', 'clip.webm', 'tone.wav', 'tone.flac'])
      for (const spans of [false, true]) {
        const { media, poster } = await check(join(scratch, name), { spans });
        if (media.kind === 'video') expect((await stat(poster)).size, `${name} poster`).toBeGreaterThan(0);
      }
  });

  it('refuses files cut short, in span mode too (the old full decode let a cut Matroska through)', async () => {
    for (const name of ['clip.mkv', 'raw.mkv', 'fast.mp4', 'clip.webm', 'tone.flac'])
      for (const cut of [0.5, 0.9, 0.99]) {
        const path = await damaged(name, { cut });
        await expect(check(path, { spans: true }), `${name} cut to ${cut}`).rejects.toMatchObject({ code: 'CORRUPT_MEDIA' });
      }
    // A WAV cut mid-sample: its last packet is short, which the end span's decode reports.
    await expect(check(await damaged('tone.wav', { cut: 0.5 }), { spans: true })).rejects.toMatchObject({ code: 'CORRUPT_MEDIA' });
  });

  it('refuses broken framing anywhere in the file, though the decode only samples it', async () => {
    for (const name of ['clip.mkv', 'fast.mp4', 'clip.webm']) {
      const path = await damaged(name, 'garbage');
      await expect(check(path, { spans: true }), name).rejects.toMatchObject({ code: 'CORRUPT_MEDIA' });
    }
  });

  it('names what it found: packets ending before the stated duration', async () => {
    const cut = await damaged('raw.mkv', { cut: 0.5 });
    await expect(check(cut, { spans: true })).rejects.toThrow(/clip is truncated or corrupt: .*(File ended prematurely|packets end at)/);
  });
});
