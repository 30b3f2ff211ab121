import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { encodeSlots } from './encode-slots.ts';
import { FilterGraph } from './filter-graph.ts';
import { rateString } from './frame-rate.ts';
import { buildVideo, type MediaLookup } from './graph-video.ts';
import { aacSampleEntry } from './mp4-boxes.ts';
import { readMp4Index, type Mp4Track } from './mp4-index.ts';
import { writeMp4, type VideoSample } from './mp4-writer.ts';
import { runFfmpeg } from './run-tool.ts';
import { addWindow, audioSamples, encodeWindow, planAudio, readWindow, type AudioWindow, type EncodedWindow } from './smart-audio.ts';
import { planPieces, type VideoPiece } from './smart-plan.ts';
import type { SourceMedia } from './source-media.ts';
import type { Timeline } from './timeline-types.ts';
import { readX264Options, x264ArgsFor } from './x264-settings.ts';

/** The list turned out not to be copyable after all; the caller renders it through the filter graph instead. */
export class NotCopyableError extends Error {}

export interface SmartArgs {
  timeline: Timeline;
  sources: ReadonlyMap<string, SourceMedia | null>;
  media: MediaLookup;
  partial: string;
  workDir: string;
  signal?: AbortSignal | undefined;
  progress: (fraction: number, step: string) => void;
  /** Called once the output's moov and first samples are on disk (see writeMp4). */
  onHeadWritten?: () => void;
}

type EncodePiece = Extract<VideoPiece, { kind: 'encode' }>;

/**
 * Copies every whole GOP it can and encodes only the frames around joins (with the sources' own
 * x264 settings, so one avcC describes every piece), takes the sound from copied AAC packets and
 * re-encoded dissolve windows, and writes it all into one MP4 without touching the copied bytes.
 * 'stream-copy' when nothing needed encoding.
 */
export async function renderSmart(args: SmartArgs): Promise<'stream-copy' | 'smart'> {
  const { timeline, workDir, signal, progress } = args;
  const plan = await planPieces(timeline, args.sources);
  const audio = planAudio(timeline, args.sources);
  const encodes = plan.pieces.filter((p): p is EncodePiece => p.kind === 'encode');
  let encoder: string[] = [];
  if (encodes.length > 0) {
    const options = await readX264Options(plan.reference.path, plan.reference.video!);
    const x264 = options ? x264ArgsFor(options) : null;
    if (!x264) throw new NotCopyableError('the sources were not encoded by x264 with CRF, so re-encoded joins could not match them');
    encoder = x264;
  }

  // A dissolve's sound window is encoded by the same ffmpeg as the picture around it: one process per join.
  const windowsOf = new Map<EncodePiece, number[]>();
  const alone: number[] = [];
  audio.windows.forEach((window, w) => {
    const piece = encodes.find((p) => p.recordIn <= window.dissolveIn && window.dissolveOut <= p.recordOut);
    if (piece) windowsOf.set(piece, [...(windowsOf.get(piece) ?? []), w]);
    else alone.push(w);
  });
  const slots = encodeSlots(encodes.length + alone.length, availableParallelism());
  const joins = new Map<VideoPiece, { track: Mp4Track; path: string }>();
  const windows: EncodedWindow[] = [];
  const jobs: Array<() => Promise<void>> = [
    ...encodes.map((piece, i) => async () => {
      const own = (windowsOf.get(piece) ?? []).map((w) => ({ index: w, window: audio.windows[w]!, path: join(workDir, `window-${w}.aac`) }));
      joins.set(
        piece,
        await encodeJoin({
          ...args,
          piece,
          encoder: [...encoder, '-threads', String(slots.threads)],
          reference: plan.reference,
          name: `join-${i}`,
          windows: own,
          addWindow: (graph, w) => addWindow({ graph, timeline, plan: audio, window: w.window, media: args.media, path: w.path }),
        }),
      );
      for (const w of own) windows[w.index] = await readWindow(w.path, w.window);
    }),
    ...alone.map((w) => async () => {
      windows[w] = await encodeWindow({ timeline, plan: audio, window: audio.windows[w]!, media: args.media, workDir, name: `window-${w}`, signal });
    }),
  ];
  let done = 0;
  if (jobs.length) progress(0.05, 'encoding joins');
  await inParallel(jobs, slots.parallel, () => progress(0.05 + (0.6 * ++done) / jobs.length, 'encoding joins'));

  signal?.throwIfAborted();
  const reference = plan.reference.video!;
  const soundSource = [...args.sources.values()].find((s) => s?.audio);
  const start = jobs.length ? 0.7 : 0.05;
  progress(start, 'joining');
  await writeMp4({
    path: args.partial,
    signal,
    onHeadWritten: args.onHeadWritten,
    onProgress: (f) => progress(start + (0.95 - start) * f, 'joining'),
    input: {
      video: {
        sampleEntry: reference.track.sampleEntry,
        timescale: reference.track.timescale,
        frameTicks: reference.frameTicks,
        width: reference.track.width,
        height: reference.track.height,
        samples: plan.pieces.flatMap((piece) => {
          if (piece.kind === 'copy') return copiedSamples(piece, reference.frameTicks);
          const join = joins.get(piece)!;
          return trackSamples({ track: join.track, path: join.path, recordIn: piece.recordIn, frameTicks: reference.frameTicks });
        }),
      },
      audio: { sampleEntry: soundSource?.audio?.track.sampleEntry ?? aacSampleEntry(audio.bitrate), samples: audioSamples(audio, windows), primed: true },
    },
  });
  return encodes.length === 0 && audio.windows.length === 0 ? 'stream-copy' : 'smart';
}

/** A copied run of whole GOPs, in decode order, placed at its record frames. */
function copiedSamples(piece: Extract<VideoPiece, { kind: 'copy' }>, frameTicks: number): VideoSample[] {
  const video = piece.source.video!;
  const { track } = video;
  const first = video.decodeIndexOfFrame[piece.from]!;
  const samples: VideoSample[] = [];
  for (let k = 0; k < piece.to - piece.from; k++) {
    const i = first + k;
    const frame = (track.dts[i]! + track.cts[i]! - video.shift) / frameTicks;
    samples.push({
      data: { path: piece.source.path, offset: track.offsets[i]!, size: track.sizes[i]! },
      pts: (piece.recordIn + frame - piece.from) * frameTicks,
      dts: (piece.recordIn + k) * frameTicks,
      sync: video.syncFrames.has(frame),
    });
  }
  return samples;
}

/** Every sample of an encoded join, placed at its record frames. */
function trackSamples(args: { track: Mp4Track; path: string; recordIn: number; frameTicks: number }): VideoSample[] {
  const { track, frameTicks } = args;
  const shift = track.edits[0]?.mediaTime ?? 0;
  const sync = track.sync ? new Set(track.sync) : null;
  return track.sizes.map((size, i) => ({
    data: { path: args.path, offset: track.offsets[i]!, size },
    pts: args.recordIn * frameTicks + track.dts[i]! + track.cts[i]! - shift,
    dts: (args.recordIn + i) * frameTicks,
    sync: sync ? sync.has(i) : true,
  }));
}

/** Encodes record frames [recordIn, recordOut) with the sources' settings and checks the result shares their avcC. */
async function encodeJoin(
  args: SmartArgs & {
    piece: EncodePiece;
    encoder: string[];
    reference: SourceMedia;
    name: string;
    windows: Array<{ window: AudioWindow; path: string }>;
    addWindow: (graph: FilterGraph, w: { window: AudioWindow; path: string }) => string[];
  },
): Promise<{ track: Mp4Track; path: string }> {
  const { timeline, piece, reference } = args;
  const video = reference.video!;
  const path = join(args.workDir, `${args.name}.mp4`);
  const graph = new FilterGraph();
  const stream = buildVideo({
    graph,
    timeline,
    from: piece.recordIn,
    to: piece.recordOut,
    width: video.track.width,
    height: video.track.height,
    media: args.media,
  });
  const windowOutputs = args.windows.flatMap((w) => args.addWindow(graph, w));
  await runFfmpeg({
    args: [
      ...(await graph.args(args.workDir, args.name)),
      '-map',
      `[${stream.label}]`,
      ...args.encoder,
      '-pix_fmt',
      'yuv420p',
      '-r',
      rateString(timeline.fps),
      '-video_track_timescale',
      String(video.track.timescale),
      '-an',
      '-map_metadata',
      '-1',
      '-f',
      'mp4',
      path,
      ...windowOutputs,
    ],
    signal: args.signal,
  });
  const track = (await readMp4Index(path))?.tracks.find((t) => t.handler === 'vide');
  const frames = piece.recordOut - piece.recordIn;
  if (
    !track ||
    !track.config?.equals(video.track.config!) ||
    track.timescale !== video.track.timescale ||
    track.sizes.length !== frames ||
    (track.dts[1] !== undefined && track.dts[1] !== video.frameTicks)
  ) {
    throw new NotCopyableError(`re-encoded frames ${piece.recordIn}-${piece.recordOut} do not match the sources' parameter sets`);
  }
  return { track, path };
}

/** Runs jobs `limit` at a time; after a failure it starts no more, lets the running ones settle, then throws. */
async function inParallel<T>(jobs: Array<() => Promise<T>>, limit: number, onDone: () => void): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < jobs.length && !failure) {
      const i = next++;
      try {
        results[i] = await jobs[i]!();
        onDone();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}
