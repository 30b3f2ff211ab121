import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { encodeJoins, NotCopyableError, type EncodedJoin, type EncodePiece } from './encode-joins.ts';
import { encodeSlots, joinProcesses } from './encode-slots.ts';
import type { MediaLookup } from './graph-video.ts';
import { aacSampleEntry } from './mp4-boxes.ts';
import { writeMp4, type VideoSample } from './mp4-writer.ts';
import { addWindow, audioSamples, encodeWindow, planAudio, readWindow, type AudioWindow, type EncodedWindow } from './smart-audio.ts';
import { planPieces, type VideoPiece } from './smart-plan.ts';
import type { SourceMedia } from './source-media.ts';
import type { Timeline } from './timeline-types.ts';
import { readX264Options, x264ArgsFor } from './x264-settings.ts';

export { NotCopyableError };

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

  // A dissolve's sound window is encoded by the same ffmpeg as the picture around it.
  type OwnWindow = { index: number; window: AudioWindow; path: string };
  const windowsOf = new Map<EncodePiece, OwnWindow[]>();
  const alone: number[] = [];
  audio.windows.forEach((window, w) => {
    const piece = encodes.find((p) => p.recordIn <= window.dissolveIn && window.dissolveOut <= p.recordOut);
    if (piece) windowsOf.set(piece, [...(windowsOf.get(piece) ?? []), { index: w, window, path: join(workDir, `window-${w}.aac`) }]);
    else alone.push(w);
  });
  const cores = availableParallelism();
  const batches = batchesOf(encodes, joinProcesses(encodes.length, cores));
  const slots = encodeSlots(batches.length + alone.length, cores);
  const joins = new Map<VideoPiece, EncodedJoin>();
  const windows: EncodedWindow[] = [];
  const jobs: Array<() => Promise<void>> = [
    ...batches.map((batch, i) => async () => {
      const pieces = batch.map((piece) => ({ piece, windows: windowsOf.get(piece) ?? [] }));
      const encoded = await encodeJoins<OwnWindow>({
        timeline,
        media: args.media,
        reference: plan.reference,
        encoder: [...encoder, '-threads', String(slots.threads)],
        workDir,
        name: `joins-${i}`,
        pieces,
        addWindow: (graph, w) => addWindow({ graph, timeline, plan: audio, window: w.window, media: args.media, path: w.path }),
        signal,
      });
      batch.forEach((piece, k) => joins.set(piece, encoded[k]!));
      for (const w of pieces.flatMap((p) => p.windows)) windows[w.index] = await readWindow(w.path, w.window);
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
          return trackSamples({ join: joins.get(piece)!, recordIn: piece.recordIn, frameTicks: reference.frameTicks });
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

/** A join's samples, placed at its record frames. */
function trackSamples(args: { join: EncodedJoin; recordIn: number; frameTicks: number }): VideoSample[] {
  const { track, path, first, count } = args.join;
  const { frameTicks } = args;
  const shift = track.edits[0]?.mediaTime ?? 0;
  const sync = track.sync ? new Set(track.sync) : null;
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return {
      data: { path, offset: track.offsets[i]!, size: track.sizes[i]! },
      pts: (args.recordIn - first) * frameTicks + track.dts[i]! + track.cts[i]! - shift,
      dts: (args.recordIn + k) * frameTicks,
      sync: sync ? sync.has(i) : true,
    };
  });
}

/** Pieces split into `n` batches of about equal frame counts (longest first onto the lightest), each in record order. */
function batchesOf(pieces: EncodePiece[], n: number): EncodePiece[][] {
  const batches = Array.from({ length: Math.min(n, pieces.length) }, () => ({ frames: 0, pieces: [] as EncodePiece[] }));
  const length = (p: EncodePiece) => p.recordOut - p.recordIn;
  for (const piece of [...pieces].sort((a, b) => length(b) - length(a))) {
    const lightest = batches.reduce((a, b) => (b.frames < a.frames ? b : a));
    lightest.frames += length(piece);
    lightest.pieces.push(piece);
  }
  return batches.map((b) => b.pieces.sort((x, y) => x.recordIn - y.recordIn));
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
