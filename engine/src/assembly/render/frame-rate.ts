import type { FrameRate } from '../edl/index.ts';

export interface Rational {
  num: number;
  den: number;
}

// The NTSC rates are n*1000/1001 exactly; timecode counts them at the whole-number timebase.
const RATES: Record<FrameRate, Rational> = {
  '23.976': { num: 24000, den: 1001 },
  '24': { num: 24, den: 1 },
  '25': { num: 25, den: 1 },
  '29.97': { num: 30000, den: 1001 },
  '30': { num: 30, den: 1 },
  '50': { num: 50, den: 1 },
  '59.94': { num: 60000, den: 1001 },
  '60': { num: 60, den: 1 },
};

export const SAMPLE_RATE = 48_000;

export function rational(rate: FrameRate): Rational {
  return RATES[rate];
}

export function rateString(fps: Rational): string {
  return fps.den === 1 ? String(fps.num) : `${fps.num}/${fps.den}`;
}

export function framesToSeconds(frames: number, fps: Rational): number {
  return (frames * fps.den) / fps.num;
}

/** Audio sample at a frame boundary; rounding absolute positions (never durations) keeps long lists free of drift. */
export function frameToSample(frame: number, fps: Rational, sampleRate = SAMPLE_RATE): number {
  return Math.round((frame * sampleRate * fps.den) / fps.num);
}

/** Seconds as ffmpeg reads them, to the microsecond. */
export function secondsArg(seconds: number): string {
  return (Math.round(seconds * 1e6) / 1e6).toFixed(6);
}
