/**
 * The timeline's arithmetic, free of any component: record positions of the clips (dissolves
 * overlap their neighbours), frames to pixels, which clips are in view, where the playhead falls,
 * and the limits a trim or a dissolve is held to. Frames are at the sequence's rate.
 */

/** What the timeline needs of one shot of the cut (as sequenceShots compiles it). */
export interface ClipSource {
  nodeId: string;
  /** Source in frame and length, at the sequence rate. */
  inFrames: number;
  frames: number;
  /** Frames of dissolve from the previous clip (0: a cut). */
  dissolveFrames: number;
}

export interface ClipBox {
  nodeId: string;
  index: number;
  /** Record frames: where the clip starts (its dissolve in included) and ends. */
  start: number;
  end: number;
  /** Pixels. */
  x: number;
  width: number;
  /** Width of the dissolve in from the previous clip, in pixels. */
  overlap: number;
}

export interface TimelineLayout {
  clips: ClipBox[];
  /** Record length in frames, and in pixels. */
  frames: number;
  width: number;
}

/** Places the clips on the record line: each starts where the previous ends, less its dissolve. */
export function layoutClips(shots: readonly ClipSource[], pxPerFrame: number): TimelineLayout {
  const clips: ClipBox[] = [];
  let record = 0;
  shots.forEach((s, index) => {
    const start = Math.max(0, record - s.dissolveFrames);
    const end = start + s.frames;
    clips.push({ nodeId: s.nodeId, index, start, end, x: start * pxPerFrame, width: s.frames * pxPerFrame, overlap: s.dissolveFrames * pxPerFrame });
    record = end;
  });
  return { clips, frames: record, width: record * pxPerFrame };
}

/** A scale that fits the whole cut into `width` pixels, held between a readable minimum and maximum. */
export function fitScale(args: { frames: number; width: number; min?: number; max?: number }): number {
  const { frames, width, min = 0.5, max = 8 } = args;
  if (frames <= 0 || width <= 0) return max;
  return Math.min(max, Math.max(min, width / frames));
}

/** Indices [first, last] of the clips that cross the pixel window [left, left + width]; [0, -1] when none. */
export function visibleRange(clips: readonly ClipBox[], left: number, width: number): [number, number] {
  if (!clips.length) return [0, -1];
  const right = left + width;
  // Clips are ordered by x and end: the first whose right edge passes `left`, by binary search.
  let lo = 0;
  let hi = clips.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (clips[mid]!.x + clips[mid]!.width <= left) lo = mid + 1;
    else hi = mid;
  }
  let last = lo - 1;
  while (last + 1 < clips.length && clips[last + 1]!.x < right) last++;
  return lo > last ? [0, -1] : [lo, last];
}

/**
 * The clip under the playhead and the source frame it shows there. Inside a dissolve the incoming
 * clip is shown (it is the one the dissolve leads to).
 */
export function clipAt(args: { clips: readonly ClipBox[]; shots: readonly ClipSource[]; frame: number }): { index: number; sourceFrame: number } | null {
  const { clips, shots, frame } = args;
  if (!clips.length) return null;
  const at = Math.max(0, Math.min(frame, clips[clips.length - 1]!.end - 1));
  let lo = 0;
  let hi = clips.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (clips[mid]!.start <= at) lo = mid;
    else hi = mid - 1;
  }
  const clip = clips[lo]!;
  return { index: lo, sourceFrame: shots[lo]!.inFrames + (at - clip.start) };
}

export type TrimEdge = 'in' | 'out';

/**
 * A trim dragged by `deltaFrames` from where it started, held to the take: the in point between
 * the take's first frame and one frame before the out point, the out point between one frame
 * after the in point and the take's last frame. Returns the new points in frames.
 */
export function trimTo(args: { edge: TrimEdge; inFrames: number; outFrames: number; deltaFrames: number; takeFrames: number }): {
  inFrames: number;
  outFrames: number;
} {
  const { edge, inFrames, outFrames, deltaFrames, takeFrames } = args;
  const delta = Math.round(deltaFrames);
  if (edge === 'in') return { inFrames: Math.max(0, Math.min(outFrames - 1, inFrames + delta)), outFrames };
  return { inFrames, outFrames: Math.max(inFrames + 1, Math.min(Math.max(takeFrames, inFrames + 1), outFrames + delta)) };
}

/** A take's length in whole frames at the sequence rate (a frame that is half there counts). */
export function takeFrames(seconds: number, fps: number): number {
  return Math.max(1, Math.round(seconds * fps));
}

/** The longest dissolve two neighbours can give: the outgoing keeps a frame of its own, the incoming holds it all. */
export function dissolveLimit(args: { outgoing: ClipSource; incoming: ClipSource }): number {
  const { outgoing, incoming } = args;
  return Math.max(0, Math.min(600, outgoing.frames - Math.max(1, outgoing.dissolveFrames), incoming.frames));
}

/** Record frame under a pixel of the strip. */
export function frameAtPixel(args: { x: number; pxPerFrame: number; frames: number }): number {
  const { x, pxPerFrame, frames } = args;
  return Math.max(0, Math.min(Math.max(0, frames - 1), Math.floor(x / pxPerFrame)));
}

/** HH:MM:SS:FF at a whole-number timebase (the rate rounded: 23.976 counts 24 frames a second), non-drop. */
export function timecodeOf(frame: number, fps: number): string {
  const base = Math.round(fps);
  const pad = (n: number) => String(n).padStart(2, '0');
  const f = frame % base;
  const s = Math.floor(frame / base);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}:${pad(f)}`;
}
