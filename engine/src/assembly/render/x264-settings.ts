import { open } from 'node:fs/promises';
import type { CopyVideo } from './source-media.ts';

// x264's presets differ first in subme; the options that shape SPS/PPS are set explicitly below.
const PRESET_BY_SUBME: Record<string, string> = {
  '0': 'ultrafast',
  '1': 'superfast',
  '2': 'veryfast',
  '4': 'faster',
  '6': 'fast',
  '7': 'medium',
  '8': 'slow',
  '9': 'slower',
  '10': 'veryslow',
  '11': 'placebo',
};

const B_PYRAMID = ['none', 'strict', 'normal'];

/**
 * The options x264 wrote into the stream (its SEI user data, "x264 - core ... options: ..."),
 * read from the first picture; null when the stream was not made by x264.
 */
export async function readX264Options(path: string, video: CopyVideo): Promise<Record<string, string> | null> {
  const sample = video.decodeIndexOfFrame[0]!;
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(Math.min(video.track.sizes[sample]!, 1 << 20));
    await handle.read(bytes, 0, bytes.length, video.track.offsets[sample]!);
    const text = bytes.toString('latin1');
    const at = text.indexOf('x264 - core');
    if (at < 0) return null;
    const end = text.indexOf('\0', at);
    const options = text.slice(text.indexOf('options:', at) + 'options:'.length, end < 0 ? undefined : end);
    return Object.fromEntries(
      options
        .trim()
        .split(/\s+/)
        .map((pair) => pair.split('=') as [string, string])
        .filter(([key, value]) => key && value !== undefined),
    );
  } finally {
    await handle.close();
  }
}

/**
 * libx264 arguments that reproduce a stream's parameter sets (profile, level, references, B-frame
 * layout, weighted prediction, entropy coder, initial QP), so re-encoded frames can sit between
 * copied ones under one avcC. Null when the source's rate control cannot be matched (only CRF is).
 * The caller compares the resulting avcC byte for byte before trusting it.
 */
export function x264ArgsFor(options: Record<string, string>): string[] | null {
  if (options.rc !== 'crf' || !options.crf || (options.interlaced !== undefined && options.interlaced !== '0')) return null;
  const preset = PRESET_BY_SUBME[options.subme ?? ''] ?? 'medium';
  const params: string[] = [];
  const copy = (from: string, to = from, map: (v: string) => string = (v) => v) => {
    const value = options[from];
    if (value !== undefined) params.push(`${to}=${map(value)}`);
  };
  copy('ref');
  copy('bframes');
  copy('b_pyramid', 'b-pyramid', (v) => B_PYRAMID[Number(v)] ?? v);
  copy('b_adapt', 'b-adapt');
  copy('weightp');
  copy('weightb');
  copy('8x8dct');
  copy('cabac');
  copy('keyint');
  copy('keyint_min', 'min-keyint');
  copy('scenecut');
  copy('open_gop', 'open-gop');
  copy('direct', 'direct', (v) => ['none', 'spatial', 'temporal', 'auto'][Number(v)] ?? v);
  copy('constrained_intra', 'constrained-intra');
  copy('deblock', 'deblock', (v) => v.split(':').slice(1).join(','));
  // x264 moves the chroma QP offset (a PPS field) by the psychovisual strengths: pass those, not the result.
  copy('psy');
  copy('psy_rd', 'psy-rd', (v) => v.replace(':', ','));
  copy('trellis');
  if (options.deblock?.startsWith('0')) params.push('no-deblock=1');
  copy('rc_lookahead', 'rc-lookahead');
  copy('mbtree');
  return ['-c:v', 'libx264', '-preset', preset, '-crf', options.crf, '-x264-params', params.join(':')];
}
