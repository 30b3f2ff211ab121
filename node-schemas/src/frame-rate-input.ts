import { z } from 'zod';
import { FRAME_RATES, type FrameRate } from './node-data.ts';

/** The rate a JSON number or string names (25, 29.97, "29.97", "25.0"), or null when none does. */
export function frameRateOf(value: unknown): FrameRate | null {
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  if (typeof value === 'string' && (FRAME_RATES as readonly string[]).includes(value)) return value as FrameRate;
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) return null;
  return FRAME_RATES.find((rate) => Number(rate) === n) ?? null;
}

/** A frame rate at a trust boundary: JSON numbers and strings alike, normalised to a FrameRate. */
export const FrameRateInput = z.union([z.number(), z.string().max(16)]).transform((value, ctx): FrameRate => {
  const rate = frameRateOf(value);
  if (rate === null) {
    ctx.addIssue({ code: 'custom', message: `frame rate must be one of ${FRAME_RATES.join(', ')}` });
    return z.NEVER;
  }
  return rate;
});
