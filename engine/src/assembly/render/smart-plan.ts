import { isCleanCut, type CopyVideo, type SourceMedia } from './source-media.ts';
import type { Timeline } from './timeline-types.ts';

/** Copy source frames [from, to) as they are, or encode record frames [recordIn, recordOut) afresh. */
export type VideoPiece =
  { kind: 'copy'; source: SourceMedia; from: number; to: number; recordIn: number } | { kind: 'encode'; recordIn: number; recordOut: number };

export interface SmartPlan {
  pieces: VideoPiece[];
  /** The source whose settings re-encoded frames must reproduce. */
  reference: SourceMedia;
}

/** Why a list cannot be rendered by copying, or null when it can. */
export function copyIneligibility(args: {
  timeline: Timeline;
  sources: ReadonlyMap<string, SourceMedia | null>;
  width: number;
  height: number;
}): string | null {
  const { timeline, sources } = args;
  if (timeline.audio.length > 0) return 'the list has audio-track events to mix in';
  if (timeline.video.some((s) => s.overlays?.length)) return 'text overlays are drawn into the picture';
  let reference: SourceMedia | null = null;
  for (const segment of timeline.video) {
    const where = segment.event === null ? 'a gap' : `event ${segment.event}`;
    if (segment.kind !== 'clip' || !segment.source) return `${where} is ${segment.kind === 'still' ? 'a still' : 'black'}`;
    const source = sources.get(segment.source.path);
    if (!source) return `${segment.source.file} is not an MP4 file this renderer can index`;
    if (!source.video || source.reason) return `${segment.source.file}: ${source.reason ?? 'no video'}`;
    const video = source.video;
    if (video.track.width !== args.width || video.track.height !== args.height)
      return `${segment.source.file} is ${video.track.width}x${video.track.height}, not ${args.width}x${args.height}`;
    if (segment.sourceOut + segment.tail > video.frames) return `${where} needs frames past the end of ${segment.source.file}`;
    if (!reference) reference = source;
    else if (!sameVideo(reference, source)) return `${segment.source.file} is encoded differently from ${reference.path}`;
  }
  return null;
}

function sameVideo(a: SourceMedia, b: SourceMedia): boolean {
  const [x, y] = [a.video!, b.video!];
  return x.track.config!.equals(y.track.config!) && x.track.timescale === y.track.timescale && x.frameTicks === y.frameTicks;
}

/**
 * Splits the picture into copied stretches, whole GOPs from clean IDR cuts, and stretches to
 * encode: every dissolve, and any trim that does not fall on a keyframe. Adjacent encodes merge.
 */
export async function planPieces(timeline: Timeline, sources: ReadonlyMap<string, SourceMedia | null>): Promise<SmartPlan> {
  const pieces: VideoPiece[] = [];
  const encode = (recordIn: number, recordOut: number) => {
    if (recordOut <= recordIn) return;
    const last = pieces.at(-1);
    if (last?.kind === 'encode' && last.recordOut === recordIn) last.recordOut = recordOut;
    else pieces.push({ kind: 'encode', recordIn, recordOut });
  };
  for (const segment of timeline.video) {
    const source = sources.get(segment.source!.path)!;
    encode(segment.recordIn, segment.recordIn + segment.dissolveIn);
    const bodyIn = segment.recordIn + segment.dissolveIn;
    const x = segment.sourceIn + segment.dissolveIn;
    const y = segment.sourceOut;
    if (y <= x) continue;
    const span = await copySpan(source, x, y);
    if (!span) {
      encode(bodyIn, segment.recordOut);
      continue;
    }
    const { from, to } = span;
    encode(bodyIn, bodyIn + (from - x));
    pieces.push({ kind: 'copy', source, from, to, recordIn: bodyIn + (from - x) });
    encode(bodyIn + (to - x), segment.recordOut);
  }
  // copyIneligibility has checked that every source shares one avcC: any of them is the reference.
  return { pieces, reference: sources.get(timeline.video[0]!.source!.path)! };
}

/** The widest run of whole GOPs inside source frames [x, y), or null when there is none. */
async function copySpan(source: SourceMedia, x: number, y: number): Promise<{ from: number; to: number } | null> {
  const video = source.video!;
  const keys = [...video.syncFrames].sort((a, b) => a - b);
  let from: number | null = null;
  if (x === 0 && video.decodeIndexOfFrame[0] === 0 && video.syncFrames.has(0)) from = 0;
  else {
    for (const k of keys) {
      if (k < x) continue;
      if (k >= y) break;
      if (await isCleanCut(source, k)) {
        from = k;
        break;
      }
    }
  }
  if (from === null) return null;
  if (y === video.frames) return { from, to: y };
  let gop = from;
  for (const k of keys.filter((k) => k > from! && k <= y).reverse()) {
    if (await isCleanCut(source, k)) {
      gop = k;
      break;
    }
  }
  const to = closedPrefixEnd(video, gop, y);
  return to > from ? { from, to } : null;
}

/**
 * The furthest frame e <= y such that the GOP opening at clean cut `gop`, cut after its first
 * e - gop samples in decode order, holds exactly frames [gop, e): that prefix decodes on its own
 * (every reference is decoded before its user), so the encode after it can start at e rather
 * than back at the keyframe. x264 closes such a prefix at every P frame.
 */
export function closedPrefixEnd(video: CopyVideo, gop: number, y: number): number {
  const first = video.decodeIndexOfFrame[gop]!;
  // Samples before `first` are all presented before `gop` (a clean cut), so the running maximum
  // from the start of the track is the maximum of the GOP's prefix once it reaches `gop`.
  for (let e = Math.min(y, video.frames); e > gop; e--) {
    if (video.prefixMaxPts[first + (e - gop)] === (e - 1) * video.frameTicks) return e;
  }
  return gop;
}
