import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { FilterGraph } from './filter-graph.ts';
import { framesToSeconds, rateString, type Rational } from './frame-rate.ts';
import { buildVideo, type MediaLookup } from './graph-video.ts';
import { readMp4Index } from './mp4-index.ts';
import { runFfmpeg } from './run-tool.ts';
import { encodeWindow, planAudio, writeAudio } from './smart-audio.ts';
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
}

/**
 * Copies every whole GOP it can and encodes only the frames around joins (with the sources' own
 * x264 settings, so one avcC describes every piece), assembles the sound from copied AAC packets
 * and re-encoded dissolve windows, and joins it all with the concat demuxer and `-c copy`.
 * 'stream-copy' when nothing needed encoding.
 */
export async function renderSmart(args: SmartArgs): Promise<'stream-copy' | 'smart'> {
  const { timeline, workDir, signal, progress } = args;
  const plan = await planPieces(timeline, args.sources);
  const audio = planAudio(timeline, args.sources);
  const encodes = plan.pieces.filter((p): p is Extract<VideoPiece, { kind: 'encode' }> => p.kind === 'encode');
  const reference = plan.reference.video!;
  let encoder: string[] = [];
  if (encodes.length > 0) {
    const options = await readX264Options(plan.reference.path, reference);
    const x264 = options ? x264ArgsFor(options) : null;
    if (!x264) throw new NotCopyableError('the sources were not encoded by x264 with CRF, so re-encoded joins could not match them');
    encoder = x264;
  }

  type Done = { piece: VideoPiece; file: string } | { window: number; frames: Buffer[] };
  const jobs: Array<() => Promise<Done>> = [
    ...encodes.map((piece, i) => async () => {
      const file = join(workDir, `join-${i}.mp4`);
      await encodeJoin({ ...args, piece, file, encoder, reference: plan.reference, name: `join-${i}` });
      return { piece, file };
    }),
    ...audio.windows.map((window, i) => async () => ({ window: i, frames: await encodeWindow({ timeline, plan: audio, window, media: args.media, workDir, name: `window-${i}`, signal }) })),
  ];
  let done = 0;
  progress(0.05, encodes.length ? 'encoding joins' : 'copying');
  const results = await inParallel(jobs, Math.max(2, Math.floor(availableParallelism() / 2)), () => progress(0.05 + (0.6 * ++done) / jobs.length, 'encoding joins'));
  const joinFiles = new Map<VideoPiece, string>();
  const windowFrames: Buffer[][] = [];
  for (const r of results) {
    if ('file' in r) joinFiles.set(r.piece, r.file);
    else windowFrames[r.window] = r.frames;
  }

  signal?.throwIfAborted();
  const audioPath = join(workDir, 'sound.aac');
  await writeAudio({ plan: audio, windows: windowFrames, path: audioPath, signal });
  const listPath = join(workDir, 'picture.ffconcat');
  await writeFile(listPath, concatList({ pieces: plan.pieces, joinFiles, fps: timeline.fps, trackId: reference.track.id }));
  const seconds = framesToSeconds(timeline.frames, timeline.fps);
  progress(0.7, 'joining');
  await runFfmpeg({
    args: ['-f', 'concat', '-safe', '0', '-i', listPath, '-f', 'aac', '-i', audioPath, '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-map_metadata', '-1', '-movflags', '+faststart', '-f', 'mp4', args.partial],
    signal,
    onSeconds: (s) => progress(0.7 + 0.25 * Math.min(1, s / seconds), 'joining'),
  });
  return encodes.length === 0 && audio.windows.length === 0 ? 'stream-copy' : 'smart';
}

async function encodeJoin(args: SmartArgs & { piece: Extract<VideoPiece, { kind: 'encode' }>; file: string; encoder: string[]; reference: SourceMedia; name: string }): Promise<void> {
  const { timeline, piece, reference } = args;
  const video = reference.video!;
  const graph = new FilterGraph();
  const stream = buildVideo({ graph, timeline, from: piece.recordIn, to: piece.recordOut, width: video.track.width, height: video.track.height, media: args.media });
  await runFfmpeg({
    args: [
      ...(await graph.args(args.workDir, args.name)),
      '-map', `[${stream.label}]`,
      ...args.encoder,
      '-pix_fmt', 'yuv420p',
      '-r', rateString(timeline.fps),
      '-video_track_timescale', String(video.track.timescale),
      '-an', '-map_metadata', '-1', '-f', 'mp4', args.file,
    ],
    signal: args.signal,
  });
  const index = await readMp4Index(args.file);
  const track = index?.tracks.find((t) => t.handler === 'vide');
  if (!track || !track.config?.equals(video.track.config!) || track.timescale !== video.track.timescale || track.sizes.length !== piece.recordOut - piece.recordIn) {
    throw new NotCopyableError(`re-encoded frames ${piece.recordIn}-${piece.recordOut} do not match the sources' parameter sets`);
  }
}

/**
 * The concat demuxer's script. Every entry states its duration, in whole microseconds chosen so
 * that each entry starts at its exact record time rounded once, never accumulating rounding.
 */
function concatList(args: { pieces: VideoPiece[]; joinFiles: ReadonlyMap<VideoPiece, string>; fps: Rational; trackId: number }): string {
  const at = (frame: number) => Math.round(framesToSeconds(frame, args.fps) * 1e6);
  const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;
  const us = (n: number) => `${n}us`;
  const lines = ['ffconcat version 1.0', 'stream', `exact_stream_id ${args.trackId}`];
  for (const piece of args.pieces) {
    const recordIn = piece.recordIn;
    const recordOut = piece.kind === 'copy' ? piece.recordIn + (piece.to - piece.from) : piece.recordOut;
    lines.push(`file ${quote(piece.kind === 'copy' ? piece.source.path : args.joinFiles.get(piece)!)}`);
    if (piece.kind === 'copy' && piece.inpoint !== null) lines.push(`inpoint ${us(piece.inpoint)}`);
    if (piece.kind === 'copy' && piece.outpoint !== null) lines.push(`outpoint ${us(piece.outpoint)}`);
    lines.push(`duration ${us(at(recordOut) - at(recordIn))}`);
  }
  return lines.join('\n') + '\n';
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
