import { isBlackReel } from './black.ts';
import { splitTimecode, timecodeToFrames, type FrameRate } from './timecode.ts';
import type { EdlFcm } from './types.ts';

export interface RateProbe {
  reel: string;
  /** FCM of the record timecodes (the list's first FCM). */
  recordFcm: EdlFcm;
  /** FCM in force at the event, which CMX3600 applies to its source timecodes. */
  sourceFcm: EdlFcm;
  timecodes: readonly [string, string, string, string];
  /** Speed-changed events need not have equal source and record durations, so they do not vote. */
  retimed: boolean;
}

// Lists never state their rate. Preference on a tie: film, PAL, NTSC, then the doubled rates.
const CANDIDATES: ReadonlyArray<{ timebase: number; ndf: FrameRate; df: FrameRate | null }> = [
  { timebase: 24, ndf: '24', df: null },
  { timebase: 25, ndf: '25', df: null },
  { timebase: 30, ndf: '30', df: '29.97' },
  { timebase: 50, ndf: '50', df: null },
  { timebase: 60, ndf: '60', df: '59.94' },
];

/**
 * Picks the rate under which most events have equal source and record durations, among the
 * rates whose frame column holds every record frame number. Source frame numbers only vote:
 * sources may carry another rate's timecode, or garbage (Premiere wrote 00:00:37:42 once).
 * A 25 fps list whose frame numbers stay below 24 still reads as 25 this way, because at 24
 * the durations that cross a second boundary would disagree.
 */
export function inferRate(args: { probes: readonly RateProbe[] }): FrameRate {
  const { probes } = args;
  let maxRecordFrame = 0;
  for (const probe of probes) {
    for (const tc of probe.timecodes.slice(2)) maxRecordFrame = Math.max(maxRecordFrame, splitTimecode(tc)?.frames ?? 0);
  }
  const dropFrame = probes.some((p) => p.recordFcm === 'DROP FRAME' || p.sourceFcm === 'DROP FRAME');
  let best: { rate: FrameRate; score: number } | null = null;
  for (const candidate of CANDIDATES) {
    if (candidate.timebase <= maxRecordFrame) continue;
    if (dropFrame && candidate.df === null) continue;
    const rate = dropFrame ? candidate.df! : candidate.ndf;
    const score = scoreRate({ probes, rate });
    if (best === null || score > best.score) best = { rate, score };
  }
  // Record frame numbers past 59: no rate fits; conversion then reports the line.
  return best?.rate ?? (dropFrame ? '59.94' : '60');
}

function scoreRate(args: { probes: readonly RateProbe[]; rate: FrameRate }): number {
  let score = 0;
  for (const probe of args.probes) {
    if (probe.retimed || isBlackReel(probe.reel)) continue;
    const [si, so, ri, ro] = probe.timecodes;
    const record = frames(ro, args.rate, probe.recordFcm) - frames(ri, args.rate, probe.recordFcm);
    const source = frames(so, args.rate, probe.sourceFcm) - frames(si, args.rate, probe.sourceFcm);
    if (record === source) score += 1;
  }
  return score;
}

function frames(timecode: string, rate: FrameRate, fcm: EdlFcm): number {
  try {
    return timecodeToFrames({ timecode, rate, dropFrame: fcm === 'DROP FRAME' });
  } catch {
    return Number.NaN;
  }
}
