import { TimecodeError } from './errors.ts';

export const FRAME_RATES = ['23.976', '24', '25', '29.97', '30', '50', '59.94', '60'] as const;
export type FrameRate = (typeof FRAME_RATES)[number];

// Timecode counts whole frames at the nominal rate: 23.976 labels 24 frames a second, 29.97 labels 30.
const TIMEBASE: Record<FrameRate, number> = {
  '23.976': 24,
  '24': 24,
  '25': 25,
  '29.97': 30,
  '30': 30,
  '50': 50,
  '59.94': 60,
  '60': 60,
};

// Frame numbers skipped at the start of every minute except each tenth (SMPTE 12M).
const DROPPED_PER_MINUTE: Partial<Record<FrameRate, number>> = { '29.97': 2, '59.94': 4 };

export function isFrameRate(value: unknown): value is FrameRate {
  return typeof value === 'string' && (FRAME_RATES as readonly string[]).includes(value);
}

export function timebase(rate: FrameRate): number {
  return TIMEBASE[rate];
}

export function supportsDropFrame(rate: FrameRate): boolean {
  return DROPPED_PER_MINUTE[rate] !== undefined;
}

/** Frames in 24 hours of timecode: the first frame count that has no timecode. */
export function framesPerDay(args: { rate: FrameRate; dropFrame: boolean }): number {
  const tb = TIMEBASE[args.rate];
  if (!args.dropFrame) return tb * 86_400;
  return 144 * framesPerTenMinutes(tb, droppedPerMinute(args.rate));
}

function droppedPerMinute(rate: FrameRate): number {
  const dropped = DROPPED_PER_MINUTE[rate];
  if (dropped === undefined) {
    throw new TimecodeError(`drop-frame timecode exists only at 29.97 and 59.94, not ${rate}`, { rate });
  }
  return dropped;
}

function framesPerTenMinutes(tb: number, dropped: number): number {
  return tb * 600 - 9 * dropped;
}

export interface TimecodeFields {
  hours: number;
  minutes: number;
  seconds: number;
  frames: number;
}

/** Splits "HH:MM:SS:FF" (any of : ; . , as separators) without checking ranges. */
export function splitTimecode(timecode: string): (TimecodeFields & { frameSeparator: string }) | null {
  // Character codes rather than a RegExp: readers call this four times per event line.
  if (timecode.length !== 11) return null;
  for (const at of DIGIT_AT) {
    const code = timecode.charCodeAt(at);
    if (code < 48 || code > 57) return null;
  }
  for (const at of SEPARATOR_AT) {
    if (!SEPARATORS.includes(timecode[at]!)) return null;
  }
  return {
    hours: twoDigits(timecode, 0),
    minutes: twoDigits(timecode, 3),
    seconds: twoDigits(timecode, 6),
    frames: twoDigits(timecode, 9),
    frameSeparator: timecode[8]!,
  };
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

const SEPARATORS = ':;.,';
const DIGIT_AT = [0, 1, 3, 4, 6, 7, 9, 10];
const SEPARATOR_AT = [2, 5, 8];

/**
 * Frame count of a timecode. `dropFrame` defaults to what the separator before the frames says
 * (';' or ',' mean drop frame), because Avid writes DF lists with ':' and callers must then say so.
 */
export function timecodeToFrames(args: { timecode: string; rate: FrameRate; dropFrame?: boolean; end?: boolean }): number {
  const { timecode, rate } = args;
  const fields = splitTimecode(timecode);
  if (!fields) throw new TimecodeError(`'${timecode}' is not a HH:MM:SS:FF timecode`, { timecode, rate });
  const dropFrame = args.dropFrame ?? (fields.frameSeparator === ';' || fields.frameSeparator === ',');
  const tb = TIMEBASE[rate];
  const { hours, minutes, seconds, frames } = fields;
  // An out point is exclusive: a list whose last frame is 23:59:59:FF ends at 24:00:00:00.
  if (args.end && hours === 24 && minutes === 0 && seconds === 0 && frames === 0) return framesPerDay({ rate, dropFrame });
  if (hours > 23 || minutes > 59 || seconds > 59 || frames >= tb) {
    throw new TimecodeError(`'${timecode}' is out of range at ${rate} fps (frames 0-${tb - 1})`, { timecode, rate });
  }
  const nominal = (hours * 3600 + minutes * 60 + seconds) * tb + frames;
  if (!dropFrame) return nominal;
  const dropped = droppedPerMinute(rate);
  if (seconds === 0 && frames < dropped && minutes % 10 !== 0) {
    throw new TimecodeError(
      `'${timecode}' does not exist in drop-frame timecode: frames 00-${String(dropped - 1).padStart(2, '0')} are skipped at minute ${minutes}`,
      {
        timecode,
        rate,
      },
    );
  }
  const totalMinutes = hours * 60 + minutes;
  return nominal - dropped * (totalMinutes - Math.floor(totalMinutes / 10));
}

/** Timecode of a frame count; DF separates the frames with ';' unless `separator` says otherwise (Avid writes ':'). */
export function framesToTimecode(args: { frames: number; rate: FrameRate; dropFrame: boolean; separator?: ':' | ';'; end?: boolean }): string {
  const { frames, rate, dropFrame } = args;
  const tb = TIMEBASE[rate];
  const day = framesPerDay({ rate, dropFrame });
  const separator = args.separator ?? (dropFrame ? ';' : ':');
  // An exclusive out point may stand exactly at midnight (see timecodeToFrames).
  if (args.end && frames === day) return `24:00:00${separator}00`;
  if (!Number.isSafeInteger(frames) || frames < 0 || frames >= day) {
    throw new TimecodeError(`frame count ${frames} is outside the 24-hour clock (0-${day - 1}) at ${rate} fps`, { frames, rate, dropFrame });
  }
  let nominal = frames;
  if (dropFrame) {
    const dropped = droppedPerMinute(rate);
    const perTen = framesPerTenMinutes(tb, dropped);
    const perMinute = tb * 60 - dropped;
    const tens = Math.floor(frames / perTen);
    const rest = frames % perTen;
    // The first minute of each ten keeps all its frame numbers; later minutes each skip `dropped`.
    const skippedMinutes = rest < dropped ? 0 : Math.floor((rest - dropped) / perMinute);
    nominal = frames + dropped * (9 * tens + skippedMinutes);
  }
  const ff = nominal % tb;
  const totalSeconds = Math.floor(nominal / tb);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${separator}${pad(ff)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

// The NTSC rates are n*1000/1001 exactly.
const EXACT: Record<FrameRate, { num: number; den: number }> = {
  '23.976': { num: 24000, den: 1001 },
  '24': { num: 24, den: 1 },
  '25': { num: 25, den: 1 },
  '29.97': { num: 30000, den: 1001 },
  '30': { num: 30, den: 1 },
  '50': { num: 50, den: 1 },
  '59.94': { num: 60000, den: 1001 },
  '60': { num: 60, den: 1 },
};

/**
 * The same stretch of time counted at another rate, to the nearest frame: how a source at its own
 * rate is conformed to a list at another (NLEs play it in real time, not frame for frame).
 */
export function conformFrames(args: { frames: number; from: FrameRate; to: FrameRate }): number {
  if (args.from === args.to) return args.frames;
  const from = EXACT[args.from];
  const to = EXACT[args.to];
  return Math.round((args.frames * to.num * from.den) / (to.den * from.num));
}
