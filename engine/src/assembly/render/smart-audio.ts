import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SILENT_FRAME, splitAdts } from './adts.ts';
import { FilterGraph } from './filter-graph.ts';
import { frameToSample } from './frame-rate.ts';
import { buildProgramAudio } from './graph-audio.ts';
import type { MediaLookup } from './graph-video.ts';
import type { SampleData } from './mp4-writer.ts';
import { runFfmpeg } from './run-tool.ts';
import type { SourceMedia } from './source-media.ts';
import type { Timeline, VideoSegment } from './timeline-types.ts';

const FRAME = 1024;

/** Output AAC frames [first, last) re-encoded from samples [from, to), which start one frame early and run two late. */
export interface AudioWindow {
  first: number;
  last: number;
  from: number;
  to: number;
  /** Record frames of the dissolves it covers. */
  dissolveIn: number;
  dissolveOut: number;
}

type FrameSource = { kind: 'copy'; source: SourceMedia; packet: number } | { kind: 'silence' } | { kind: 'window'; window: number; index: number };

export interface AudioPlan {
  frames: FrameSource[];
  windows: AudioWindow[];
  /** Per segment, how many samples its sound sits later in its source, so its AAC frames land on the output's frame grid. */
  shift: (segment: VideoSegment) => number;
  bitrate: number;
}

/**
 * The sound as a run of 1024-sample AAC frames, each copied from a source packet, re-encoded in
 * a window around each dissolve (a linear crossfade), or silent. Every segment's sound is shifted
 * by less than half a frame (10.7 ms at 48 kHz) so its packets fall on the output grid: nothing
 * accumulates, so there is no drift, and no frame is missing, so there are no gaps.
 */
export function planAudio(timeline: Timeline, sources: ReadonlyMap<string, SourceMedia | null>): AudioPlan {
  const s = (frame: number) => frameToSample(frame, timeline.fps);
  const total = s(timeline.frames);
  const count = Math.ceil(total / FRAME);
  const audioOf = (segment: VideoSegment) => (segment.source ? (sources.get(segment.source.path)?.audio ?? null) : null);
  const shifts = new Map<VideoSegment, number>();
  for (const segment of timeline.video) {
    const audio = audioOf(segment);
    const residue = (((s(segment.recordIn) - s(segment.sourceIn) - (audio?.mediaTime ?? 0)) % FRAME) + FRAME) % FRAME;
    shifts.set(segment, audio ? (residue >= FRAME / 2 ? residue - FRAME : residue) : 0);
  }
  const shift = (segment: VideoSegment) => shifts.get(segment) ?? 0;

  const windows: AudioWindow[] = [];
  for (const segment of timeline.video.filter((v) => v.dissolveIn > 0)) {
    const first = Math.floor(s(segment.recordIn) / FRAME);
    const last = Math.ceil(s(segment.recordIn + segment.dissolveIn) / FRAME);
    const window = {
      first,
      last,
      from: (first - 1) * FRAME,
      to: (last + 2) * FRAME,
      dissolveIn: segment.recordIn,
      dissolveOut: segment.recordIn + segment.dissolveIn,
    };
    const previous = windows.at(-1);
    if (previous && window.from < previous.to) {
      previous.last = Math.max(previous.last, window.last);
      previous.to = Math.max(previous.to, window.to);
      previous.dissolveOut = Math.max(previous.dissolveOut, window.dissolveOut);
    } else windows.push(window);
  }

  const frames: FrameSource[] = new Array(count);
  let w = 0;
  let segmentAt = 0;
  for (let j = 0; j < count; j++) {
    while (w < windows.length && windows[w]!.last <= j) w++;
    const window = windows[w];
    if (window && j >= window.first) {
      frames[j] = { kind: 'window', window: w, index: j - window.first };
      continue;
    }
    const centre = j * FRAME + FRAME / 2;
    while (segmentAt + 1 < timeline.video.length && s(timeline.video[segmentAt]!.recordOut) <= centre) segmentAt++;
    const segment = timeline.video[segmentAt]!;
    const audio = audioOf(segment);
    if (!audio) {
      frames[j] = { kind: 'silence' };
      continue;
    }
    const packet = (j * FRAME - s(segment.recordIn) + s(segment.sourceIn) + shift(segment) + audio.mediaTime) / FRAME;
    frames[j] = packet >= 0 && packet < audio.track.sizes.length ? { kind: 'copy', source: sources.get(segment.source!.path)!, packet } : { kind: 'silence' };
  }
  const rates = [...sources.values()].flatMap((m) => (m?.audio ? [m.audio.bitrate] : []));
  const bitrate = Math.round((rates.length ? Math.max(...rates) : 128_000) / 8000) * 8000;
  return { frames, windows, shift, bitrate };
}

export interface EncodedWindow {
  frames: Buffer[];
  /** The frame encoded just before the window: priming for a decoder that starts there. */
  before: Buffer;
}

/**
 * Adds one window to a graph: the program sound over its samples, with the same shifts as the
 * copied frames around it, and returns the output arguments that encode it to `path` (ADTS).
 */
export function addWindow(args: { graph: FilterGraph; timeline: Timeline; plan: AudioPlan; window: AudioWindow; media: MediaLookup; path: string }): string[] {
  const { graph, timeline, plan, window } = args;
  const total = frameToSample(timeline.frames, timeline.fps);
  const from = Math.max(0, window.from);
  const to = Math.min(total, window.to);
  const program = buildProgramAudio({ graph, timeline, from, to, media: args.media, shift: plan.shift });
  const length = window.to - window.from;
  const lead = from - window.from;
  const padded = graph.chain([program.label], `${lead > 0 ? `adelay=delays=${lead}S:all=1,` : ''}apad=whole_len=${length},atrim=end_sample=${length}`, 'w');
  return ['-map', `[${padded}]`, '-c:a', 'aac', '-b:a', String(plan.bitrate), '-ar', '48000', '-ac', '2', '-f', 'adts', args.path];
}

/** The window's frames from its encode. */
export async function readWindow(path: string, window: AudioWindow): Promise<EncodedWindow> {
  const frames = splitAdts(await readFile(path));
  // Frame 0 is the encoder's priming, frame 1 the warm-up before the window.
  const wanted = frames.slice(2, 2 + (window.last - window.first));
  if (wanted.length !== window.last - window.first)
    throw new Error(`audio window ${path}: ${frames.length} frames encoded, ${window.last - window.first + 2} needed`);
  return { frames: wanted, before: frames[1]! };
}

/** Encodes one window on its own. */
export async function encodeWindow(args: {
  timeline: Timeline;
  plan: AudioPlan;
  window: AudioWindow;
  media: MediaLookup;
  workDir: string;
  name: string;
  signal?: AbortSignal | undefined;
}): Promise<EncodedWindow> {
  const graph = new FilterGraph();
  const path = join(args.workDir, `${args.name}.aac`);
  const output = addWindow({ ...args, graph, path });
  await runFfmpeg({ args: [...(await graph.args(args.workDir, args.name)), ...output], signal: args.signal });
  return readWindow(path, args.window);
}

/**
 * The planned frames as MP4 samples, led by a priming frame (the one before the first, or
 * silence) that the edit list hides, so the first audible frame decodes as in its source.
 */
export function audioSamples(plan: AudioPlan, windows: EncodedWindow[]): SampleData[] {
  const sample = (frame: FrameSource): SampleData => {
    if (frame.kind === 'silence') return { data: SILENT_FRAME };
    if (frame.kind === 'window') return { data: windows[frame.window]!.frames[frame.index]! };
    const { offsets, sizes } = frame.source.audio!.track;
    return { path: frame.source.path, offset: offsets[frame.packet]!, size: sizes[frame.packet]! };
  };
  const first = plan.frames[0]!;
  const priming: SampleData =
    first.kind === 'copy' && first.packet > 0
      ? sample({ ...first, packet: first.packet - 1 })
      : first.kind === 'window'
        ? { data: windows[first.window]!.before }
        : { data: SILENT_FRAME };
  return [priming, ...plan.frames.map(sample)];
}
