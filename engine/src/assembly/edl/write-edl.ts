import { isChannels } from './channels.ts';
import { EdlWriteError, TimecodeError } from './errors.ts';
import { formatComment, formatEventLine } from './format-event.ts';
import { layoutEvents, type PlacedEvent } from './layout-edl.ts';
import { assignReelNames } from './reel-names.ts';
import { framesToTimecode, isFrameRate, supportsDropFrame, timecodeToFrames, type FrameRate } from './timecode.ts';

export type WriteEdlTransition = { type: 'cut' } | { type: 'dissolve'; frames: number };

export interface WriteEdlEvent {
  /** At most 8 characters; derived from the clip name when absent. */
  reel?: string;
  clipName: string;
  /** The media's path in the project, written as `* SOURCE FILE:`. */
  sourceFile: string;
  /** V, A, A2, A3..., AA, B or AA/V. */
  channels: string;
  /** Frames from the start of the media; out is exclusive, as in CMX3600. */
  sourceIn: number;
  sourceOut: number;
  /** How this event starts: a dissolve from the previous event on the same channels. */
  transition?: WriteEdlTransition;
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

/**
 * Writes CMX3600 lists: one string per file, several when there are more than 999 edits, each
 * restarting at 001 under "TITLE (n of m)". Record times continue across the files.
 * A dissolve is written as CMX3600 does: the outgoing clip's zero-length cut, then the incoming
 * clip's `D nnn` line, both with the same event number (see layoutEvents for the record times).
 */
export function writeEdl(args: WriteEdlArgs): string[] {
  const { rate, dropFrame } = args;
  if (!isFrameRate(rate)) throw new EdlWriteError({ index: null, message: `unknown frame rate '${String(rate)}'` });
  if (dropFrame && !supportsDropFrame(rate)) throw new EdlWriteError({ index: null, message: `drop frame exists only at 29.97 and 59.94, not ${rate}` });
  if (/[\r\n]/.test(args.title)) throw new EdlWriteError({ index: null, message: 'the title must be one line' });
  args.events.forEach((event, index) => {
    if (!isChannels(event.channels) || event.channels === 'NONE') {
      throw new EdlWriteError({ index, message: `'${event.channels}' is not a channel code (V, A, A2..., AA, B, AA/V)` });
    }
  });

  const recordStart = parseRecordStart({ recordStart: args.recordStart ?? '01:00:00:00', rate, dropFrame });
  const reels = assignReelNames({ events: args.events });
  const placed = layoutEvents({
    recordStart,
    events: args.events.map((event, index) => ({
      reel: reels[index]!,
      channels: event.channels,
      clipName: event.clipName,
      sourceFile: event.sourceFile,
      sourceIn: event.sourceIn,
      sourceOut: event.sourceOut,
      dissolveFrames: event.transition?.type === 'dissolve' ? event.transition.frames : null,
    })),
  });

  const timecode = (frames: number, index: number): string => {
    try {
      return framesToTimecode({ frames, rate, dropFrame, ...(dropFrame && args.separator ? { separator: args.separator } : {}) });
    } catch (error) {
      if (error instanceof TimecodeError) throw new EdlWriteError({ index, message: error.message });
      throw error;
    }
  };

  const chunks: PlacedEvent[][] = [];
  for (let i = 0; i < placed.length; i += MAX_EVENTS_PER_LIST) chunks.push(placed.slice(i, i + MAX_EVENTS_PER_LIST));
  if (chunks.length === 0) chunks.push([]);
  const eol = args.lineEnding ?? '\n';
  return chunks.map((chunk, chunkIndex) => {
    const title = chunks.length === 1 ? args.title : `${args.title} (${chunkIndex + 1} of ${chunks.length})`;
    const lines = [`TITLE: ${title}`, `FCM: ${dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME'}`, ''];
    chunk.forEach((event, position) => lines.push(...eventLines({ event, number: position + 1, timecode })));
    return lines.join(eol) + eol;
  });
}

function eventLines(args: { event: PlacedEvent; number: number; timecode: (frames: number, index: number) => string }): string[] {
  const { event, number } = args;
  const tc = (frames: number): string => args.timecode(frames, event.index);
  const { input } = event;
  const own = [tc(event.sourceIn), tc(event.sourceOut), tc(event.recordIn), tc(event.recordOut)] as const;
  if (event.dissolve === null) {
    return [
      formatEventLine({ number, reel: input.reel, channels: input.channels, transition: { type: 'C' }, timecodes: own }),
      formatComment({ key: 'FROM CLIP NAME', value: input.clipName }),
      formatComment({ key: 'SOURCE FILE', value: input.sourceFile }),
    ];
  }
  const { from, frames, fromSourceFrame } = event.dissolve;
  const at = tc(event.recordIn);
  // Avid pairs SOURCE FILE with FROM CLIP NAME; TO SOURCE FILE carries the incoming clip's path.
  return [
    formatEventLine({ number, reel: from.input.reel, channels: from.input.channels, transition: { type: 'C' }, timecodes: [tc(fromSourceFrame), tc(fromSourceFrame), at, at] }),
    formatEventLine({ number, reel: input.reel, channels: input.channels, transition: { type: 'D', frames }, timecodes: own }),
    formatComment({ key: 'FROM CLIP NAME', value: from.input.clipName }),
    formatComment({ key: 'TO CLIP NAME', value: input.clipName }),
    formatComment({ key: 'SOURCE FILE', value: from.input.sourceFile }),
    formatComment({ key: 'TO SOURCE FILE', value: input.sourceFile }),
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
