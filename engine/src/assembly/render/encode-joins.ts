import { openSync, closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FilterGraph } from './filter-graph.ts';
import { framesToSeconds, rateString, secondsArg } from './frame-rate.ts';
import { buildVideo, type MediaLookup } from './graph-video.ts';
import { readMp4Index, type Mp4Track } from './mp4-index.ts';
import { runFfmpeg } from './run-tool.ts';
import type { VideoPiece } from './smart-plan.ts';
import type { SourceMedia } from './source-media.ts';
import type { Timeline } from './timeline-types.ts';

export type EncodePiece = Extract<VideoPiece, { kind: 'encode' }>;

/** Record frames [recordIn, recordOut) of a join: samples [first, first + count) of `track` in `path`, frame first + k shown k frames after recordIn. */
export interface EncodedJoin {
  track: Mp4Track;
  path: string;
  first: number;
  count: number;
}

/** The list turned out not to be copyable after all; the caller renders it through the filter graph instead. */
export class NotCopyableError extends Error {}

/** A join to encode and the sound windows its process encodes alongside (see addWindow). */
export interface BatchPiece<W> {
  piece: EncodePiece;
  windows: W[];
}

export interface EncodeBatchArgs<W> {
  timeline: Timeline;
  media: MediaLookup;
  reference: SourceMedia;
  /** libx264 arguments reproducing the sources' parameter sets, threads included. */
  encoder: string[];
  workDir: string;
  name: string;
  pieces: Array<BatchPiece<W>>;
  addWindow: (graph: FilterGraph, window: W) => string[];
  signal?: AbortSignal | undefined;
}

/**
 * Encodes several joins in one ffmpeg process, one after another into one x264 stream with an
 * IDR forced at each join's first frame, so the process start, the encoder's set-up and its
 * lookahead's fill and drain are paid once per batch rather than once per join. Each join's
 * samples must then form a run of their own in decode order, opening on an IDR, that holds
 * exactly its frames; a batch where x264 did otherwise is encoded again one join per process.
 */
export async function encodeJoins<W>(args: EncodeBatchArgs<W>): Promise<EncodedJoin[]> {
  if (args.pieces.length > 1) {
    const joins = await encodeBatch(args);
    if (joins) return joins;
  }
  const joins: EncodedJoin[] = [];
  for (const [i, one] of args.pieces.entries()) {
    const encoded = await encodeBatch({ ...args, name: args.pieces.length > 1 ? `${args.name}-${i}` : args.name, pieces: [one] });
    if (!encoded) throw new NotCopyableError(`re-encoded frames ${one.piece.recordIn}-${one.piece.recordOut} do not match the sources' parameter sets`);
    joins.push(encoded[0]!);
  }
  return joins;
}

/** One process for every piece of the batch; null when its output cannot be cut into the pieces or does not share the sources' avcC. */
async function encodeBatch<W>(args: EncodeBatchArgs<W>): Promise<EncodedJoin[] | null> {
  const { timeline, reference, pieces } = args;
  const video = reference.video!;
  const fps = timeline.fps;
  const path = join(args.workDir, `${args.name}.mp4`);
  const graph = new FilterGraph();
  const streams = pieces.map(({ piece }) =>
    buildVideo({ graph, timeline, from: piece.recordIn, to: piece.recordOut, width: video.track.width, height: video.track.height, media: args.media }),
  );
  // Counted frames, not carried timestamps: each stream is exactly its piece's length, and the
  // forced keyframes below must land on the frames counted out here.
  const label =
    streams.length === 1
      ? streams[0]!.label
      : graph.chain(
          streams.map((s) => s.label),
          `concat=n=${streams.length}:v=1:a=0,settb=${fps.den}/${fps.num},setpts=N`,
          'b',
        );
  const starts: number[] = [];
  let offset = 0;
  for (const { piece } of pieces) {
    starts.push(offset);
    offset += piece.recordOut - piece.recordIn;
  }
  const keyframes = starts.slice(1).map((s) => secondsArg(framesToSeconds(s, fps)));
  const windowOutputs = pieces.flatMap((p) => p.windows.flatMap((w) => args.addWindow(graph, w)));
  await runFfmpeg({
    args: [
      ...(await graph.args(args.workDir, args.name)),
      '-map',
      `[${label}]`,
      ...args.encoder,
      ...(keyframes.length ? ['-force_key_frames', keyframes.join(','), '-forced-idr', '1'] : []),
      '-pix_fmt',
      'yuv420p',
      '-r',
      rateString(fps),
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
  if (
    !track ||
    !track.config?.equals(video.track.config!) ||
    track.timescale !== video.track.timescale ||
    track.sizes.length !== offset ||
    (track.dts[1] !== undefined && track.dts[1] !== video.frameTicks)
  )
    return null;
  const joins = pieces.map((p, i) => ({ track, path, first: starts[i]!, count: p.piece.recordOut - p.piece.recordIn }));
  return joins.every((j) => standsAlone(j, video.frameTicks)) ? joins : null;
}

/** Whether the join's samples hold exactly its frames and open on an IDR picture, so they decode on their own between copied GOPs. */
function standsAlone(join: EncodedJoin, frameTicks: number): boolean {
  const { track, first, count } = join;
  const shift = track.edits[0]?.mediaTime ?? 0;
  const seen = new Set<number>();
  for (let i = first; i < first + count; i++) {
    const frame = (track.dts[i]! + track.cts[i]! - shift) / frameTicks;
    if (!Number.isInteger(frame) || frame < first || frame >= first + count || seen.has(frame)) return false;
    seen.add(frame);
  }
  if (track.sync && !track.sync.includes(first)) return false;
  return first === 0 || isIdr(join.path, track, first);
}

function isIdr(path: string, track: Mp4Track, sample: number): boolean {
  const lengthSize = (track.config![4]! & 3) + 1;
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(track.sizes[sample]!);
    readSync(fd, bytes, 0, bytes.length, track.offsets[sample]!);
    for (let pos = 0; pos + lengthSize < bytes.length;) {
      if ((bytes[pos + lengthSize]! & 0x1f) === 5) return true;
      pos += lengthSize + bytes.readUIntBE(pos, lengthSize);
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
