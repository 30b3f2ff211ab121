import { execFile } from 'node:child_process';
import { FRAME_RATES, type TakeMedia } from '@studio/node-schemas';
import { isStillPath } from './render/resolve-media.ts';

/** A media file's duration in seconds (ffprobe), or null when it cannot be read. */
export function probeDuration(path: string): Promise<number | null> {
  return new Promise((resolve) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { timeout: 15_000 }, (error, stdout) => {
      const seconds = Number(stdout.trim());
      resolve(error || !Number.isFinite(seconds) ? null : seconds);
    }),
  );
}

/**
 * A take's length and rate as ffprobe reads them from the file, for checking trims and writing
 * source timecodes at the source's own rate. A still holds any length (seconds null); a file that
 * cannot be read gives null, and the caller falls back to the shot's own duration.
 */
export function probeTake(path: string): Promise<TakeMedia | null> {
  if (isStillPath(path)) return Promise.resolve({ seconds: null, rate: null });
  return new Promise((resolve) =>
    execFile(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate,duration:format=duration', '-of', 'json', path],
      { timeout: 15_000 },
      (error, stdout) => {
        if (error) return resolve(null);
        try {
          const parsed = JSON.parse(stdout) as { streams?: Array<{ r_frame_rate?: string; duration?: string }>; format?: { duration?: string } };
          const stream = parsed.streams?.[0];
          const seconds = Number(stream?.duration ?? parsed.format?.duration);
          if (!Number.isFinite(seconds)) return resolve(null);
          resolve({ seconds, rate: stream?.r_frame_rate ? knownRate(stream.r_frame_rate) : null });
        } catch {
          resolve(null);
        }
      },
    ),
  );
}

/** "30000/1001" -> "29.97": the list rate a stream's frame rate is, or null for another. */
export function knownRate(fraction: string): string | null {
  const [num, den = '1'] = fraction.split('/');
  const value = Number(num) / Number(den);
  if (!Number.isFinite(value)) return null;
  return FRAME_RATES.find((rate) => Math.abs(Number(rate) - value) < 0.005) ?? null;
}
