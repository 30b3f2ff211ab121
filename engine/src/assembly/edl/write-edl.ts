import { isBlackReel } from './black.ts';
import { channelTracks, isChannels } from './channels.ts';
import { EdlWriteError, TimecodeError } from './errors.ts';
import { formatComment, formatEventLine } from './format-event.ts';
import { layoutEvents, type LayoutProblem, type PlacedEvent } from './layout-edl.ts';
import { assignReelNames } from './reel-names.ts';
import { splitParts } from './split-parts.ts';
import { asciiSafe } from './ascii-safe.ts';
import { framesToTimecode, isFrameRate, supportsDropFrame, timecodeToFrames, type FrameRate } from './timecode.ts';

export type WriteEdlTransition = { type: 'cut' } | { type: 'dissolve'; frames: number };

export interface WriteEdlEvent {
  /** At most 8 characters; derived from scene and shot, else the clip name, when absent. */
  reel?: string;
  clipName: string;
  /** The media's path in the project, written as `* SOURCE FILE:`. */
  sourceFile: string;
  /** V, A, A2, A3..., AA, B or AA/V. */
  channels: string;
  /** Frames from the start of the media at its own rate; out is exclusive, as in CMX3600. */
  sourceIn: number;
  sourceOut: number;
  /** The media's rate when it is not the list's; the event is conformed in real time and says so. */
  sourceRate?: FrameRate;
  /** Frames the media holds at its own rate, where known: trims past it are refused. */
  mediaFrames?: number;
  /** How this event starts: a dissolve from the previous event on the same channels. */
  transition?: WriteEdlTransition;
  /** Frames after the record start where this event starts, leaving a gap on its track (dialogue under its shot). */
  recordOffset?: number;
  /** The shot this media belongs to: names its reel and every message about the event. */
  scene?: string;
  shot?: string;
  /** More `*` comments for the event (titles, overlays), written after the standard ones. */
  comments?: readonly string[];
}

export interface WriteEdlArgs {
  title: string;
  rate: FrameRate;
  dropFrame: boolean;
  /** Before the frames in drop-frame timecode: ';' by default, ':' as Avid writes it. */
  separator?: ':' | ';';
  /** Default 01:00:00:00. */
  recordStart?: string;
  events: readonly WriteEdlEvent[];
  lineEnding?: '\n' | '\r\n';
}

/** CMX3600 event numbers have three digits. */
export const MAX_EVENTS_PER_LIST = 999;

/** `* ` comment keys the studio's reader understands for an event whose media has another rate. */
export const SOURCE_RATE_KEYS = { cut: 'SOURCE FRAME RATE', from: 'FROM SOURCE FRAME RATE', to: 'TO SOURCE FRAME RATE' } as const;

/**
 * Writes CMX3600 lists: one string per file, several when there are more than 999 edits, each
 * restarting at 001 under "TITLE (n of m)" and each starting at a cut. Record times continue
 * across the files. A dissolve is written as CMX3600 does: the outgoing clip's zero-length cut,
 * then the incoming clip's `D nnn` line, both with the same event number (see layoutEvents).
 * Black on an audio track is a gap, not an event: CMX3600 allows gaps in record time.
 * Every refusal names the event as it would be written and its scene/shot.
 */
export function writeEdl(args: WriteEdlArgs): string[] {
  const { rate, dropFrame } = args;
  if (!isFrameRate(rate)) throw new EdlWriteError({ index: null, message: `unknown frame rate '${String(rate)}'` });
  if (dropFrame && !supportsDropFrame(rate)) throw new EdlWriteError({ index: null, message: `drop frame exists only at 29.97 and 59.94, not ${rate}` });
  if (/[\r\n]/.test(args.title)) throw new EdlWriteError({ index: null, message: 'the title must be one line' });
  const events = args.events.filter((event) => !isAudioBlack(event));
  const problems: LayoutProblem[] = [];
  events.forEach((event, index) => {
    if (!isChannels(event.channels) || event.channels === 'NONE') {
      problems.push({ index, message: `'${event.channels}' is not a channel code (V, A, A2..., AA, B, AA/V)` });
    }
    if (event.sourceRate !== undefined && !isFrameRate(event.sourceRate))
      problems.push({ index, message: `unknown source frame rate '${String(event.sourceRate)}'` });
    if (event.mediaFrames !== undefined && event.sourceOut > event.mediaFrames) {
      const at = `${event.sourceRate ?? rate} fps`;
      problems.push({
        index,
        message: `trim ${event.sourceIn}-${event.sourceOut} runs past the end of ${event.clipName}, which holds ${event.mediaFrames} frames at ${at}`,
        data: { sourceIn: event.sourceIn, sourceOut: event.sourceOut, mediaFrames: event.mediaFrames },
      });
    }
  });
  const validChannels = (channels: string) => isChannels(channels) && channels !== 'NONE';

  const recordStart = parseRecordStart({ recordStart: args.recordStart ?? '01:00:00:00', rate, dropFrame });
  const reels = assignReelNames({ events });
  const layout = layoutEvents({
    recordStart,
    rate,
    events: events.map((event, index) => ({
      reel: reels[index]!,
      channels: validChannels(event.channels) ? event.channels : 'V',
      clipName: event.clipName,
      sourceFile: event.sourceFile,
      sourceIn: event.sourceIn,
      sourceOut: event.sourceOut,
      sourceRate: event.sourceRate !== undefined && event.sourceRate !== rate && isFrameRate(event.sourceRate) ? event.sourceRate : null,
      dissolveFrames: event.transition?.type === 'dissolve' ? event.transition.frames : null,
      recordOffset: event.recordOffset ?? null,
    })),
  });
  problems.push(...layout.problems);

  const parts = splitParts({ placed: layout.placed, max: MAX_EVENTS_PER_LIST });
  const numbering = new Map<number, { part: number | null; number: number }>();
  parts.forEach((part, p) => part.forEach((event, position) => numbering.set(event.index, { part: parts.length > 1 ? p + 1 : null, number: position + 1 })));
  const fail = (problem: LayoutProblem): never => {
    const at = numbering.get(problem.index);
    const event = events[problem.index];
    throw new EdlWriteError({
      index: problem.index,
      eventNumber: at?.number ?? null,
      part: at?.part ?? null,
      label: event ? labelOf(event) : null,
      message: problem.message,
      ...(problem.data ? { data: problem.data } : {}),
    });
  };
  if (problems.length > 0) {
    const written = (p: LayoutProblem) => {
      const at = numbering.get(p.index);
      return at ? (at.part ?? 1) * 10_000 + at.number : Number.MAX_SAFE_INTEGER;
    };
    fail([...problems].sort((a, b) => written(a) - written(b))[0]!);
  }

  const timecode = (frames: number, index: number, end = false): string => {
    try {
      return framesToTimecode({ frames, rate, dropFrame, end, ...(dropFrame && args.separator ? { separator: args.separator } : {}) });
    } catch (error) {
      if (error instanceof TimecodeError) fail({ index, message: `record ${error.message}` });
      throw error;
    }
  };
  const sourceTimecode = (frames: number, index: number, sourceRate: FrameRate | null, end = false): string => {
    // A source at another rate keeps its own non-drop count: drop frame belongs to the list's rate.
    if (sourceRate === null) return timecode(frames, index, end);
    try {
      return framesToTimecode({ frames, rate: sourceRate, dropFrame: false, end });
    } catch (error) {
      if (error instanceof TimecodeError) fail({ index, message: `source ${error.message}` });
      throw error;
    }
  };

  const eol = args.lineEnding ?? '\n';
  const safeTitle = asciiSafe(args.title);
  return parts.map((part, partIndex) => {
    const title = parts.length === 1 ? safeTitle : `${safeTitle} (${partIndex + 1} of ${parts.length})`;
    const lines = [`TITLE: ${title}`, `FCM: ${dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME'}`];
    // The TITLE line is ASCII for old readers; the name as given survives in a comment.
    if (safeTitle !== args.title) lines.push(formatComment({ key: 'FULL TITLE', value: args.title }));
    lines.push('');
    part.forEach((event, position) =>
      lines.push(...eventLines({ event, number: position + 1, timecode, sourceTimecode, extra: events[event.index]!.comments ?? [] })),
    );
    return lines.join(eol) + eol;
  });
}

function isAudioBlack(event: WriteEdlEvent): boolean {
  return event.reel !== undefined && isBlackReel(event.reel) && isChannels(event.channels) && !channelTracks({ channels: event.channels }).includes('V');
}

function labelOf(event: WriteEdlEvent): string {
  return event.scene && event.shot ? `${event.scene}/${event.shot}` : event.clipName;
}

type Tc = (frames: number, index: number, end?: boolean) => string;
type SourceTc = (frames: number, index: number, sourceRate: FrameRate | null, end?: boolean) => string;

function eventLines(args: { event: PlacedEvent; number: number; timecode: Tc; sourceTimecode: SourceTc; extra: readonly string[] }): string[] {
  const { event, number } = args;
  const { input } = event;
  const tc = (frames: number, end = false): string => args.timecode(frames, event.index, end);
  const src = (placed: PlacedEvent, frames: number, end = false): string => args.sourceTimecode(frames, placed.index, placed.input.sourceRate, end);
  const own = [src(event, event.sourceIn), src(event, event.sourceOut, true), tc(event.recordIn), tc(event.recordOut, true)] as const;
  const extra = args.extra.map((text) => `* ${text.replace(/[\r\n]+/g, ' ')}`);
  if (event.dissolve === null) {
    const line = formatEventLine({ number, reel: input.reel, channels: input.channels, transition: { type: 'C' }, timecodes: own });
    // Black has no clip and no file: an empty SOURCE FILE comment would name nothing.
    if (isBlackReel(input.reel)) return [line, ...extra];
    return [
      line,
      formatComment({ key: 'FROM CLIP NAME', value: asciiSafe(input.clipName) }),
      formatComment({ key: 'SOURCE FILE', value: input.sourceFile }),
      ...(input.sourceRate ? [formatComment({ key: SOURCE_RATE_KEYS.cut, value: input.sourceRate })] : []),
      ...extra,
    ];
  }
  const { from, frames, fromSourceFrame } = event.dissolve;
  const at = tc(event.recordIn);
  // Avid pairs SOURCE FILE with FROM CLIP NAME; TO SOURCE FILE carries the incoming clip's path.
  return [
    formatEventLine({
      number,
      reel: from.input.reel,
      channels: from.input.channels,
      transition: { type: 'C' },
      timecodes: [src(from, fromSourceFrame), src(from, fromSourceFrame, true), at, at],
    }),
    formatEventLine({ number, reel: input.reel, channels: input.channels, transition: { type: 'D', frames }, timecodes: own }),
    formatComment({ key: 'FROM CLIP NAME', value: asciiSafe(from.input.clipName) }),
    formatComment({ key: 'TO CLIP NAME', value: asciiSafe(input.clipName) }),
    formatComment({ key: 'SOURCE FILE', value: from.input.sourceFile }),
    formatComment({ key: 'TO SOURCE FILE', value: input.sourceFile }),
    ...(from.input.sourceRate ? [formatComment({ key: SOURCE_RATE_KEYS.from, value: from.input.sourceRate })] : []),
    ...(input.sourceRate ? [formatComment({ key: SOURCE_RATE_KEYS.to, value: input.sourceRate })] : []),
    ...extra,
  ];
}

function parseRecordStart(args: { recordStart: string; rate: FrameRate; dropFrame: boolean }): number {
  try {
    return timecodeToFrames({ timecode: args.recordStart, rate: args.rate, dropFrame: args.dropFrame });
  } catch (error) {
    if (error instanceof TimecodeError) throw new EdlWriteError({ index: null, message: `recordStart: ${error.message}` });
    throw error;
  }
}
