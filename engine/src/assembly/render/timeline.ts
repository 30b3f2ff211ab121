import { isBlackReel } from '../edl/black.ts';
import {
  channelTracks,
  checkRecordOrder,
  conformFrames,
  EdlParseError,
  EdlRecordOrderError,
  readEdl,
  type EdlEvent,
  type EdlTime,
  type FrameRate,
} from '../edl/index.ts';

type SourceAt = (event: EdlEvent, time: EdlTime) => number;
import { InvalidEdlError } from './errors.ts';
import { readOverlayComments } from '../text-overlays.ts';
import { rational } from './frame-rate.ts';
import { checkSourceFile, isStillPath, resolveSourcePath } from './resolve-media.ts';
import type { AudioClip, Dissolve, SourceRef, Timeline, VideoSegment } from './timeline-types.ts';

/**
 * Reads a list into a render timeline and checks that every source it needs is there. Refuses,
 * before anything runs, what cannot be rendered: overlapping or backward records (naming the
 * event), retimed events, wipes and keys, paths outside the project, missing or LFS-pointer media.
 */
export async function loadTimeline(args: { edlText: string; rate: FrameRate; projectDir: string }): Promise<Timeline> {
  const timeline = buildTimeline(args);
  const seen = new Set<string>();
  const sources: Array<{ event: number; source: SourceRef }> = [
    ...timeline.video.flatMap((s) => (s.source && s.event !== null ? [{ event: s.event, source: s.source }] : [])),
    ...timeline.audio.map((a) => ({ event: a.event, source: a.source })),
  ];
  for (const { event, source } of sources) {
    if (seen.has(source.path)) continue;
    seen.add(source.path);
    await checkSourceFile({ projectDir: args.projectDir, path: source.path, sourceFile: source.file, event });
  }
  return timeline;
}

export function buildTimeline(args: { edlText: string; rate: FrameRate; projectDir: string }): Timeline {
  let list;
  try {
    list = readEdl({ text: args.edlText, rate: args.rate });
    checkRecordOrder(list);
  } catch (error) {
    if (error instanceof EdlRecordOrderError) {
      throw new InvalidEdlError({
        event: error.eventNumber,
        message: `${error.message.replace(/^event \d+ \(line \d+\): /, '')} (line ${error.line})`,
        data: { ...error.data },
        cause: error,
      });
    }
    if (error instanceof EdlParseError) throw new InvalidEdlError({ event: null, message: error.message, data: error.data, cause: error });
    throw error;
  }
  const events = list.events.filter((e) => channelTracks({ channels: e.channels, audioChannels: e.audioChannels }).length > 0);
  if (events.length === 0) throw new InvalidEdlError({ event: null, message: 'the list has no events to render' });
  for (const event of events) refuseUnrenderable(event, args.rate);

  const recordStart = Math.min(...events.map((e) => e.recordIn.frames));
  const frames = Math.max(...events.map((e) => e.recordOut.frames)) - recordStart;
  if (frames <= 0) throw new InvalidEdlError({ event: null, message: 'the list lasts no time' });
  const source = (event: EdlEvent): SourceRef => {
    if (!event.sourceFile) throw new InvalidEdlError({ event: event.number, message: 'names no source file (* SOURCE FILE:)' });
    return { path: resolveSourcePath({ projectDir: args.projectDir, sourceFile: event.sourceFile, event: event.number }), file: event.sourceFile };
  };
  const isVideo = (e: EdlEvent) => channelTracks({ channels: e.channels }).includes('V');
  // Sources at another rate play in real time: their frames are counted at the list's rate from here on.
  const sourceAt = (event: EdlEvent, time: EdlTime): number =>
    event.sourceRate ? conformFrames({ frames: time.frames, from: event.sourceRate, to: args.rate }) : time.frames;
  const video = layVideo({ events: events.filter(isVideo), recordStart, frames, source, sourceAt });
  const audio = layAudio({ events: events.filter((e) => !isVideo(e)), recordStart, source, sourceAt });
  const dissolves: Dissolve[] = video
    .filter((s) => s.dissolveIn > 0)
    .map((s) => ({ from: s.index - 1, to: s.index, frames: s.dissolveIn, recordIn: s.recordIn }));
  return { title: list.title, rate: args.rate, fps: rational(args.rate), recordStart, frames, video, dissolves, audio };
}

function refuseUnrenderable(event: EdlEvent, rate: FrameRate): void {
  const { number } = event;
  if (event.transition.type === 'W' || event.transition.type === 'K') {
    throw new InvalidEdlError({ event: number, message: `${event.transition.type === 'W' ? 'wipes' : 'keys'} cannot be rendered; only cuts and dissolves` });
  }
  if (event.speed) throw new InvalidEdlError({ event: number, message: `retimed to ${event.speed.fps} fps (M2): motion effects cannot be rendered` });
  const recordLength = event.recordOut.frames - event.recordIn.frames;
  const expected = event.sourceRate ? conformFrames({ frames: recordLength, from: rate, to: event.sourceRate }) : recordLength;
  if (!isBlackReel(event.reel) && event.sourceOut.frames - event.sourceIn.frames !== expected) {
    throw new InvalidEdlError({
      event: number,
      message: `source duration ${event.sourceOut.frames - event.sourceIn.frames} differs from record duration ${recordLength}`,
    });
  }
  if (event.transition.type === 'D') {
    const d = event.transition.duration ?? 0;
    if (d < 1 || d > recordLength)
      throw new InvalidEdlError({ event: number, message: `dissolve of ${d} frames does not fit the event's ${recordLength} frames` });
  }
}

function layVideo(args: { events: EdlEvent[]; recordStart: number; frames: number; source: (e: EdlEvent) => SourceRef; sourceAt: SourceAt }): VideoSegment[] {
  const segments: VideoSegment[] = [];
  const push = (s: Omit<VideoSegment, 'index'>): VideoSegment => {
    const segment = { ...s, index: segments.length };
    segments.push(segment);
    return segment;
  };
  const black = (recordIn: number, recordOut: number) =>
    push({ event: null, kind: 'black', recordIn, recordOut, sourceIn: 0, sourceOut: recordOut - recordIn, dissolveIn: 0, tail: 0 });
  const fromEvent = (event: EdlEvent, recordIn: number, length: number, sourceIn: number): Omit<VideoSegment, 'index'> => {
    const overlays = readOverlayComments({ comments: event.comments });
    const base = {
      event: event.number,
      recordIn,
      recordOut: recordIn + length,
      dissolveIn: 0,
      tail: 0,
      ...(event.clipName ? { clipName: event.clipName } : {}),
      ...(overlays.length ? { overlays } : {}),
    };
    if (isBlackReel(event.reel)) return { ...base, kind: 'black', sourceIn: 0, sourceOut: length };
    const src = args.source(event);
    return { ...base, kind: isStillPath(src.path) ? 'still' : 'clip', source: src, sourceIn, sourceOut: sourceIn + length };
  };

  let cursor = 0;
  // A dissolve's zero-length outgoing cut: it names what the D event dissolves from.
  let pendingCut: EdlEvent | null = null;
  for (const event of args.events) {
    const recordIn = event.recordIn.frames - args.recordStart;
    const length = event.recordOut.frames - event.recordIn.frames;
    if (length === 0) {
      pendingCut = event;
      continue;
    }
    if (recordIn > cursor) black(cursor, recordIn);
    if (event.transition.type === 'D') {
      const d = event.transition.duration!;
      const cut = pendingCut?.number === event.number ? pendingCut : null;
      const last = segments.at(-1);
      let from: VideoSegment;
      if (last && last.recordOut === recordIn) from = last;
      else from = cut ? push(fromEvent(cut, recordIn, 0, args.sourceAt(cut, cut.sourceIn))) : black(recordIn, recordIn);
      if (from.recordOut - from.recordIn < from.dissolveIn) {
        throw new InvalidEdlError({ event: event.number, message: `dissolve starts before event ${from.event}'s own dissolve has finished` });
      }
      from.tail = d;
      push({ ...fromEvent(event, recordIn, length, args.sourceAt(event, event.sourceIn)), dissolveIn: d });
    } else {
      push(fromEvent(event, recordIn, length, args.sourceAt(event, event.sourceIn)));
    }
    pendingCut = null;
    cursor = recordIn + length;
  }
  if (cursor < args.frames) black(cursor, args.frames);
  return segments;
}

function layAudio(args: { events: EdlEvent[]; recordStart: number; source: (e: EdlEvent) => SourceRef; sourceAt: SourceAt }): AudioClip[] {
  const clips: AudioClip[] = [];
  const lastOn = new Map<string, AudioClip>();
  for (const event of args.events) {
    const length = event.recordOut.frames - event.recordIn.frames;
    if (length === 0 || isBlackReel(event.reel)) continue;
    const recordIn = event.recordIn.frames - args.recordStart;
    const fadeIn = event.transition.type === 'D' ? event.transition.duration! : 0;
    const previous = lastOn.get(event.channels);
    if (fadeIn > 0 && previous && previous.recordOut === recordIn) previous.tail = fadeIn;
    const clip: AudioClip = {
      event: event.number,
      channels: event.channels,
      source: args.source(event),
      recordIn,
      recordOut: recordIn + length,
      sourceIn: args.sourceAt(event, event.sourceIn),
      fadeIn,
      tail: 0,
    };
    clips.push(clip);
    lastOn.set(event.channels, clip);
  }
  return clips;
}
