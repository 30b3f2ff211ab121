import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 1 << 24 });
}

/**
 * A take as draft-video makes them: moving H.264 picture (x264 veryfast, CRF 23, a keyframe every
 * second) with AAC 48 kHz stereo sound (a tone, so cuts and crossfades can be heard).
 */
export async function makeTake(
  path: string,
  opts: { seconds: number; fps?: number; width?: number; height?: number; hue?: number; tone?: number; audio?: boolean; crf?: number },
): Promise<void> {
  const fps = opts.fps ?? 24;
  const { width = 1280, height = 720, hue = 0, tone = 440 } = opts;
  await mkdir(dirname(path), { recursive: true });
  const gop = String(Math.round(fps));
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${width}x${height}:r=${fps},hue=h=${hue}`,
    ...(opts.audio === false ? [] : ['-f', 'lavfi', '-i', `sine=f=${tone}:r=48000`]),
    '-t',
    String(opts.seconds),
    '-map',
    '0:v',
    ...(opts.audio === false ? [] : ['-map', '1:a']),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    String(opts.crf ?? 23),
    '-pix_fmt',
    'yuv420p',
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-r',
    String(fps),
    ...(opts.audio === false ? [] : ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2']),
    '-map_metadata',
    '-1',
    '-movflags',
    '+faststart',
    path,
  ]);
}

/** A PNG still like draft-image's. */
export async function makeStill(path: string, opts: { width: number; height: number }): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc=s=${opts.width}x${opts.height}`, '-frames:v', '1', path]);
}

/** A WAV like tts-espeak's (22.05 kHz mono). */
export async function makeWav(path: string, opts: { seconds: number; tone?: number }): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await ffmpeg(['-f', 'lavfi', '-i', `sine=f=${opts.tone ?? 660}:r=22050`, '-t', String(opts.seconds), '-ac', '1', '-c:a', 'pcm_s16le', path]);
}
