import { channelTracks } from './channels.ts';
import { EdlWriteError } from './errors.ts';

export interface LayoutInput {
  reel: string;
  channels: string;
  clipName: string;
  sourceFile: string;
  sourceIn: number;
  sourceOut: number;
  dissolveFrames: number | null;
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

export const MAX_TRANSITION_FRAMES = 999;

/**
 * Places events on their tracks, each track continuous from `recordStart`. A dissolve overlaps
 * the two clips by its length: the incoming clip starts that many frames before the outgoing
 * one's end, so the outgoing event is written shortened and plays its last frames under the
 * dissolve. Nothing outside the given source ranges is used (generated clips have no handles).
 * Returns the events in record order (CMX3600 A-mode), ties in input order.
 */
export function layoutEvents(args: { events: readonly LayoutInput[]; recordStart: number }): PlacedEvent[] {
  const cursor = new Map<string, number>();
  const lastOnTrack = new Map<string, PlacedEvent>();
  const placed: PlacedEvent[] = [];
  args.events.forEach((input, index) => {
    const tracks = channelTracks({ channels: input.channels });
    if (!Number.isSafeInteger(input.sourceIn) || !Number.isSafeInteger(input.sourceOut) || input.sourceIn < 0 || input.sourceOut <= input.sourceIn) {
      throw new EdlWriteError({ index, message: `source frames ${input.sourceIn}-${input.sourceOut} must be whole numbers with out after in`, data: { sourceIn: input.sourceIn, sourceOut: input.sourceOut } });
    }
    const duration = input.sourceOut - input.sourceIn;
    let recordIn: number;
    let dissolve: PlacedEvent['dissolve'] = null;
    if (input.dissolveFrames === null) {
      recordIn = Math.max(...tracks.map((track) => cursor.get(track) ?? args.recordStart));
    } else {
      const frames = input.dissolveFrames;
      const from = outgoingEvent({ tracks, input, index, lastOnTrack });
      if (!Number.isInteger(frames) || frames < 1 || frames > MAX_TRANSITION_FRAMES) {
        throw new EdlWriteError({ index, message: `dissolve of ${frames} frames: CMX3600 holds 1 to ${MAX_TRANSITION_FRAMES}` });
      }
      // The outgoing event must still show its own dissolve in (or one frame) once shortened.
      const fromKeeps = from.dissolve?.frames ?? 1;
      if (from.recordOut - frames - from.recordIn < fromKeeps) {
        throw new EdlWriteError({ index, message: `dissolve of ${frames} frames is longer than event ${from.index} can give (${from.recordOut - from.recordIn - fromKeeps} frames)` });
      }
      if (frames > duration) {
        throw new EdlWriteError({ index, message: `dissolve of ${frames} frames is longer than the incoming clip (${duration} frames)` });
      }
      from.recordOut -= frames;
      from.sourceOut -= frames;
      recordIn = from.recordOut;
      dissolve = { frames, from, fromSourceFrame: from.sourceOut };
    }
    const event: PlacedEvent = { index, input, sourceIn: input.sourceIn, sourceOut: input.sourceOut, recordIn, recordOut: recordIn + duration, dissolve };
    for (const track of tracks) {
      cursor.set(track, event.recordOut);
      lastOnTrack.set(track, event);
    }
    placed.push(event);
  });
  return placed.sort((a, b) => a.recordIn - b.recordIn || a.index - b.index);
}

function outgoingEvent(args: { tracks: readonly string[]; input: LayoutInput; index: number; lastOnTrack: ReadonlyMap<string, PlacedEvent> }): PlacedEvent {
  const candidates = new Set(args.tracks.map((track) => args.lastOnTrack.get(track)));
  const [from] = candidates;
  if (candidates.size !== 1 || from === undefined || from.input.channels !== args.input.channels) {
    throw new EdlWriteError({ index: args.index, message: `a dissolve needs an earlier event on exactly the same channels (${args.input.channels}) to dissolve from` });
  }
  return from;
}
