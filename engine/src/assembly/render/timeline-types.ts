import type { FrameRate } from '../edl/index.ts';
import type { Rational } from './frame-rate.ts';
import type { TextOverlay } from '../text-overlays.ts';

export interface SourceRef {
  /** Absolute path. */
  path: string;
  /** As the list names it (relative to the project). */
  file: string;
}

/**
 * One stretch of picture. Record frames count from the render's first frame. A segment's own
 * frames are [recordIn, recordOut); the first `dissolveIn` of them are mixed with the previous
 * segment's tail, and `tail` more source frames (from sourceOut) play under the next dissolve.
 */
export interface VideoSegment {
  index: number;
  /** The list's event number; null for black filling a gap. */
  event: number | null;
  kind: 'clip' | 'still' | 'black';
  clipName?: string;
  source?: SourceRef;
  recordIn: number;
  recordOut: number;
  sourceIn: number;
  sourceOut: number;
  dissolveIn: number;
  tail: number;
  /** Title card and lower-third text the list's comments put over this segment. */
  overlays?: TextOverlay[];
}

export interface Dissolve {
  /** Indexes into Timeline.video. */
  from: number;
  to: number;
  frames: number;
  recordIn: number;
}

/** A sound on an audio track (A, A2...), mixed over the picture's own sound at its record position. */
export interface AudioClip {
  event: number;
  channels: string;
  source: SourceRef;
  recordIn: number;
  recordOut: number;
  sourceIn: number;
  /** Frames of fade in (a dissolve from the previous clip on the track). */
  fadeIn: number;
  /** Frames it keeps playing, fading out, under the next clip's dissolve. */
  tail: number;
}

export interface Timeline {
  title: string | null;
  rate: FrameRate;
  fps: Rational;
  /** Absolute record frame of the first record in. */
  recordStart: number;
  /** Last record out minus first record in. */
  frames: number;
  /** Contiguous from 0 to `frames`, in record order; gaps are black segments. */
  video: VideoSegment[];
  dissolves: Dissolve[];
  audio: AudioClip[];
}
