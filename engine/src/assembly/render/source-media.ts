import { open } from 'node:fs/promises';
import type { Rational } from './frame-rate.ts';
import { readMp4Index, type Mp4Track } from './mp4-index.ts';

/** An H.264 track whose frames can be copied: constant frame rate, frame k presented at k * frameTicks (after the edit list). */
export interface CopyVideo {
  track: Mp4Track;
  frameTicks: number;
  frames: number;
  /** The edit list's media time: ffmpeg reports dts - shift. */
  shift: number;
  decodeIndexOfFrame: Int32Array;
  /** Frames whose sample is a sync sample. */
  syncFrames: Set<number>;
  prefixMaxPts: Float64Array;
  suffixMinPts: Float64Array;
}

/** An AAC-LC 48 kHz stereo track whose packets can be copied; packet p starts at sample p*1024 - mediaTime. */
export interface CopyAudio {
  track: Mp4Track;
  mediaTime: number;
  bitrate: number;
}

export interface SourceMedia {
  path: string;
  hasVideo: boolean;
  hasAudio: boolean;
  video: CopyVideo | null;
  audio: CopyAudio | null;
  /** Why the picture cannot be copied, when it cannot. */
  reason: string | null;
}

/** Reads a source's MP4 index and works out whether, and where, its samples can be copied. */
export async function analyzeSource(path: string, fps: Rational): Promise<SourceMedia | null> {
  const index = await readMp4Index(path);
  if (!index) return null;
  const videoTrack = index.tracks.find((t) => t.handler === 'vide');
  const audioTrack = index.tracks.find((t) => t.handler === 'soun');
  const base = { path, hasVideo: !!videoTrack, hasAudio: !!audioTrack };
  const video = videoTrack ? copyVideo(videoTrack, fps) : 'no video track';
  const audio = audioTrack ? copyAudio(audioTrack) : null;
  return {
    ...base,
    video: typeof video === 'string' ? null : video,
    audio: typeof audio === 'string' ? null : audio,
    reason: typeof video === 'string' ? video : typeof audio === 'string' ? audio : null,
  };
}

function copyVideo(track: Mp4Track, fps: Rational): CopyVideo | string {
  if (track.codec !== 'avc1' || !track.config) return `video is ${track.codec}, not H.264 (avc1)`;
  const n = track.sizes.length;
  if (n === 0) return 'the video track is empty';
  const edits = track.edits.filter((e) => e.mediaTime !== -1 || e.duration > 0);
  if (track.edits.some((e) => e.mediaTime === -1) || edits.length > 1) return 'the video has an edit list that delays or splices it';
  const shift = edits[0]?.mediaTime ?? 0;
  const frameTicks = n > 1 ? track.dts[1]! - track.dts[0]! : (track.timescale * fps.den) / fps.num;
  if (track.timescale * fps.den !== frameTicks * fps.num) return `video runs at ${track.timescale}/${frameTicks} fps, not ${fps.num}/${fps.den}`;
  const decodeIndexOfFrame = new Int32Array(n).fill(-1);
  const pts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (track.dts[i] !== i * frameTicks) return 'video frame durations vary';
    pts[i] = track.dts[i]! + track.cts[i]! - shift;
    const frame = pts[i]! / frameTicks;
    if (!Number.isInteger(frame) || frame < 0 || frame >= n || decodeIndexOfFrame[frame] !== -1)
      return 'video presentation times are not one frame apart from zero';
    decodeIndexOfFrame[frame] = i;
  }
  const prefixMaxPts = new Float64Array(n + 1).fill(-Infinity);
  for (let i = 0; i < n; i++) prefixMaxPts[i + 1] = Math.max(prefixMaxPts[i]!, pts[i]!);
  const suffixMinPts = new Float64Array(n + 1).fill(Infinity);
  for (let i = n - 1; i >= 0; i--) suffixMinPts[i] = Math.min(suffixMinPts[i + 1]!, pts[i]!);
  const syncFrames = new Set((track.sync ?? [...Array(n).keys()]).map((i) => pts[i]! / frameTicks));
  return { track, frameTicks, frames: n, shift, decodeIndexOfFrame, syncFrames, prefixMaxPts, suffixMinPts };
}

// AudioSpecificConfig of AAC-LC, 48 kHz, stereo (object type 2, frequency index 3, channels 2).
const AAC_LC_48K_STEREO = [0x11, 0x90];

function copyAudio(track: Mp4Track): CopyAudio | string {
  const config = track.config;
  if (track.codec !== 'mp4a' || track.objectType !== 0x40 || !config) return 'audio is not AAC';
  // A trailing explicit SBR signal (sync extension 0x2b7, SBR absent) still means plain AAC-LC.
  const plain = config.length === 2 || (config.length >= 5 && config[2] === 0x56 && config[3] === 0xe5 && (config[4]! & 0x80) === 0);
  if (config[0] !== AAC_LC_48K_STEREO[0] || config[1] !== AAC_LC_48K_STEREO[1] || !plain) return 'audio is not AAC-LC 48 kHz stereo';
  if (track.timescale !== 48_000) return 'audio time scale is not 48 kHz';
  const n = track.sizes.length;
  for (let i = 0; i < n; i++) if (track.dts[i] !== i * 1024) return 'audio packets are not 1024 samples apart';
  const edits = track.edits;
  if (edits.some((e) => e.mediaTime === -1) || edits.length > 1) return 'the audio has an edit list that delays or splices it';
  const seconds = (n * 1024) / 48_000;
  const bytes = track.sizes.reduce((a, b) => a + b, 0);
  return { track, mediaTime: edits[0]?.mediaTime ?? 0, bitrate: track.avgBitrate || Math.round((bytes * 8) / Math.max(seconds, 1e-3)) };
}

/**
 * Whether copying can start or stop at frame k: a sync sample that is an IDR picture, before which
 * (in decode order) every frame is presented earlier and after which every frame later, so the
 * pieces on either side decode on their own.
 */
export async function isCleanCut(source: SourceMedia, k: number): Promise<boolean> {
  const video = source.video;
  if (!video || k <= 0 || k >= video.frames || !video.syncFrames.has(k)) return false;
  const i = video.decodeIndexOfFrame[k]!;
  const pts = k * video.frameTicks;
  if (video.prefixMaxPts[i]! >= pts || video.suffixMinPts[i]! < pts) return false;
  return isIdr(source.path, video, i);
}

async function isIdr(path: string, video: CopyVideo, sample: number): Promise<boolean> {
  const lengthSize = (video.track.config![4]! & 3) + 1;
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(video.track.sizes[sample]!);
    await handle.read(bytes, 0, bytes.length, video.track.offsets[sample]!);
    for (let pos = 0; pos + lengthSize < bytes.length;) {
      const length = bytes.readUIntBE(pos, lengthSize);
      if ((bytes[pos + lengthSize]! & 0x1f) === 5) return true;
      pos += lengthSize + length;
    }
    return false;
  } finally {
    await handle.close();
  }
}
