import { channelTracks } from './channels.ts';
import { conformFrames, type FrameRate } from './timecode.ts';

export interface LayoutInput {
  reel: string;
  channels: string;
  clipName: string;
  sourceFile: string;
  /** Frames of the source at its own rate (`sourceRate`); out is exclusive. */
  sourceIn: number;
  sourceOut: number;
  /** The source's own rate when it differs from the list's: record frames are conformed to it in real time. */
  sourceRate: FrameRate | null;
  dissolveFrames: number | null;
  /** Frames after the record start where the event must start (a gap before it is allowed); null to follow on. */
  recordOffset: number | null;
}

/** One event as it will be written; frames are absolute (source from 0, record from 00:00:00:00). */
export interface PlacedEvent {
  index: number;
  input: LayoutInput;
  sourceIn: number;
  sourceOut: number;
  recordIn: number;
  recordOut: number;
  /** The event this one dissolves from, and where the outgoing source stands as the dissolve starts. */
  dissolve: { frames: number; from: PlacedEvent; fromSourceFrame: number } | null;
}

/** What cannot be written, by input event; the writer names the event as it would be numbered. */
export interface LayoutProblem {
  index: number;
  message: string;
  data?: Record<string, unknown>;
}

export const MAX_TRANSITION_FRAMES = 999;

/**
 * Places events on their tracks, each track continuous from `recordStart` unless an event asks
 * for a later start. A dissolve overlaps the two clips by its length: the incoming clip starts
 * that many frames before the outgoing one's end, so the outgoing event is written shortened and
 * plays its last frames under the dissolve. Nothing outside the given source ranges is used
 * (generated clips have no handles). What cannot be written is returned as problems (the event is
 * then laid out as a cut, so that the numbering of the rest stays as it would be written).
 * Returns the events in record order (CMX3600 A-mode), ties in input order.
 */
export function layoutEvents(args: { events: readonly LayoutInput[]; recordStart: number; rate: FrameRate }): {
  placed: PlacedEvent[];
  problems: LayoutProblem[];
} {
  const { rate } = args;
  const cursor = new Map<string, number>();
  const lastOnTrack = new Map<string, PlacedEvent>();
  const placed: PlacedEvent[] = [];
  const problems: LayoutProblem[] = [];
  args.events.forEach((input, index) => {
    const tracks = channelTracks({ channels: input.channels });
    const sourceRate = input.sourceRate ?? rate;
    const sourceIn = Number.isSafeInteger(input.sourceIn) && input.sourceIn >= 0 ? input.sourceIn : 0;
    let sourceLength = input.sourceOut - input.sourceIn;
    if (!Number.isSafeInteger(input.sourceIn) || !Number.isSafeInteger(input.sourceOut) || input.sourceIn < 0 || sourceLength < 1) {
      problems.push({
        index,
        message: `source frames ${input.sourceIn}-${input.sourceOut} must be whole numbers with out after in`,
        data: { sourceIn: input.sourceIn, sourceOut: input.sourceOut },
      });
      sourceLength = 1;
    }
    const duration = Math.max(1, conformFrames({ frames: sourceLength, from: sourceRate, to: rate }));
    // The source range is recounted from the record length so that the reader's check holds exactly.
    const sourceFor = (recordFrames: number) => conformFrames({ frames: recordFrames, from: rate, to: sourceRate });
    const follow = Math.max(...tracks.map((track) => cursor.get(track) ?? args.recordStart));
    let recordIn = follow;
    if (input.recordOffset !== null) {
      const at = args.recordStart + input.recordOffset;
      if (at < follow)
        problems.push({
          index,
          message: `starts ${follow - at} frames before the previous event on its track ends`,
          data: { recordOffset: input.recordOffset },
        });
      else recordIn = at;
    }
    let dissolve: PlacedEvent['dissolve'] = null;
    const problem = input.dissolveFrames === null ? null : dissolveProblem({ input, duration, tracks, lastOnTrack });
    if (problem) problems.push({ index, ...problem });
    else if (input.dissolveFrames !== null) {
      const frames = input.dissolveFrames;
      const from = lastOnTrack.get(tracks[0]!)!;
      from.recordOut -= frames;
      from.sourceOut = from.sourceIn + sourceFor(from.recordOut - from.recordIn);
      recordIn = from.recordOut;
      dissolve = { frames, from, fromSourceFrame: from.sourceOut };
    }
    const event: PlacedEvent = { index, input, sourceIn, sourceOut: sourceIn + sourceFor(duration), recordIn, recordOut: recordIn + duration, dissolve };
    for (const track of tracks) {
      cursor.set(track, event.recordOut);
      lastOnTrack.set(track, event);
    }
    placed.push(event);
  });
  return { placed: placed.sort((a, b) => a.recordIn - b.recordIn || a.index - b.index), problems };
}

function dissolveProblem(args: {
  input: LayoutInput;
  duration: number;
  tracks: readonly string[];
  lastOnTrack: ReadonlyMap<string, PlacedEvent>;
}): { message: string; data?: Record<string, unknown> } | null {
  const { input, duration } = args;
  const frames = input.dissolveFrames!;
  const candidates = new Set(args.tracks.map((track) => args.lastOnTrack.get(track)));
  const [from] = candidates;
  if (candidates.size !== 1 || from === undefined || from.input.channels !== input.channels) {
    return { message: `a dissolve needs an earlier event on exactly the same channels (${input.channels}) to dissolve from` };
  }
  if (input.recordOffset !== null) return { message: 'a dissolve cannot also start after a gap' };
  if (!Number.isInteger(frames) || frames < 1 || frames > MAX_TRANSITION_FRAMES) {
    return { message: `dissolve of ${frames} frames: CMX3600 holds 1 to ${MAX_TRANSITION_FRAMES}`, data: { frames } };
  }
  // The outgoing event must still show its own dissolve in (or one frame) once shortened.
  const fromKeeps = from.dissolve?.frames ?? 1;
  const canGive = from.recordOut - from.recordIn - fromKeeps;
  if (frames > canGive) {
    const fromName = from.input.clipName;
    return {
      message: `dissolve of ${frames} frames is longer than the outgoing clip ${fromName} can give (${Math.max(0, canGive)} frames)`,
      data: { frames, canGive: Math.max(0, canGive) },
    };
  }
  if (frames > duration) return { message: `dissolve of ${frames} frames is longer than the incoming clip (${duration} frames)`, data: { frames, duration } };
  return null;
}
