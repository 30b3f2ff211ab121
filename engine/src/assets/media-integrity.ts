import { execFile, spawn } from 'node:child_process';
import { CorruptMediaError } from './asset-errors.ts';
import type { MediaKind, MediaStream } from './media-probe.ts';

/** Files up to this size are decoded whole; a larger one in spans (its start, middle and end). */
export const FULL_DECODE_MAX_BYTES = 32 * 1024 * 1024;

/** Seconds decoded at the start and in the middle of a file checked in spans; the end is decoded from here to the last frame. */
const SPAN_SECONDS = 1;

/**
 * Containers whose header holds the duration the muxer wrote when it finished (Matroska/WebM,
 * MP4/MOV, FLAC), not an estimate from the bitrate (MP3, ADTS, MPEG-TS): packets that end well
 * before it mean the file was cut short.
 */
const STATED_DURATION = /(^|,)(matroska|mov|flac)(,|$)/;

/** The last lines a tool printed at `-v error`, without the context addresses (`[h264 @ 0x55d…]`). */
function problem(stderr: string): string {
  return stderr
    .trim()
    .split('\n')
    .slice(-2)
    .map((line) => line.replace(/ @ 0x[0-9a-f]+\]/g, ']'))
    .join(' ');
}

/**
 * Reads every packet of the stream without decoding it (the container's index and framing, the
 * whole file from the page cache): any error the demuxer reports (a file that ends mid-packet,
 * a NAL unit larger than its packet, a Matroska element past its parent), no packet at all, or a
 * last packet well before the stated duration refuses the file. Streams stdout: only the last line is kept.
 */
function readEveryPacket(path: string, stream: MediaStream): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffprobe',
      ['-v', 'error', '-select_streams', String(stream.index), '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', path],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
    );
    let packets = 0;
    let last = '';
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines)
        if (line.trim()) {
          packets++;
          last = line;
        }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      if (stderr.length < 64 * 1024) stderr += text;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (partial.trim()) {
        packets++;
        last = partial;
      }
      if (code !== 0 || signal) return resolve(problem(stderr) || `ffprobe stopped (${signal ?? `exit ${code}`}) reading its packets`);
      if (stderr.trim()) return resolve(problem(stderr));
      if (!packets) return resolve('it holds no packet of its stream');
      const [pts, duration] = last.split(',').map(Number);
      const end = (pts ?? NaN) + (Number.isFinite(duration) ? duration! : 0);
      const stated = stream.duration;
      if (stated && STATED_DURATION.test(stream.container) && Number.isFinite(end) && end < stated - Math.max(0.5, stated * 0.01))
        return resolve(`its packets end at ${end.toFixed(2)} s of the ${stated.toFixed(2)} s its header states`);
      resolve(null);
    });
  });
}

/**
 * Decodes the stream with ffmpeg -xerror: whole for a small file (or one whose duration is not
 * known), else a span at the start, one in the middle and the end, each from a seek (one process,
 * three inputs). For a video the first frame also becomes the poster, from the same decode.
 * Any error ffmpeg prints refuses the file.
 */
function decodeSample(path: string, size: number, stream: MediaStream, poster: string | null, fullDecodeMaxBytes: number): Promise<string | null> {
  const duration = stream.duration;
  const whole = size <= fullDecodeMaxBytes || !duration || duration <= 4 * SPAN_SECONDS;
  const starts = whole ? [null] : [0, duration / 2 - SPAN_SECONDS / 2, Math.max(0, duration - 2 * SPAN_SECONDS)];
  const inputs = starts.flatMap((start, i) => [
    ...(start === null ? [] : ['-ss', start.toFixed(3), ...(i < 2 ? ['-t', String(SPAN_SECONDS)] : [])]),
    '-i',
    path,
  ]);
  const outputs = starts.flatMap((_, i) => ['-map', `${i}:${stream.index}`, '-f', 'null', '-']);
  const still = poster ? ['-map', `0:${stream.index}`, '-frames:v', '1', '-vf', 'scale=320:-2', '-y', poster] : [];
  return new Promise((resolve) =>
    execFile(
      'ffmpeg',
      ['-v', 'error', '-nostdin', '-xerror', ...inputs, ...outputs, ...still],
      { timeout: whole ? 600_000 : 120_000, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return resolve(problem(stderr) || 'ffmpeg could not decode it');
        resolve(stderr.trim() ? problem(stderr) : null);
      },
    ),
  );
}

/**
 * Whether a probed video or audio file is whole: every packet read (truncation, broken framing) and
 * a decode (whole up to `fullDecodeMaxBytes`, else spans at the start, middle and end), in
 * parallel. A video's poster is written to `poster` on the way (the caller moves it in once the
 * file is accepted). Refuses with CorruptMediaError naming what was found.
 */
export async function checkMediaIntegrity({
  path,
  name,
  size,
  kind,
  stream,
  poster,
  fullDecodeMaxBytes = FULL_DECODE_MAX_BYTES,
}: {
  path: string;
  name: string;
  size: number;
  kind: MediaKind;
  stream: MediaStream;
  poster: string | null;
  fullDecodeMaxBytes?: number;
}): Promise<void> {
  // Both are awaited even when one fails first: nothing may still be writing into the scratch folder once this returns.
  const [packets, decoded] = await Promise.allSettled([
    readEveryPacket(path, stream),
    decodeSample(path, size, stream, kind === 'video' ? poster : null, fullDecodeMaxBytes),
  ]);
  for (const outcome of [packets, decoded]) {
    if (outcome.status === 'rejected') throw outcome.reason;
    if (outcome.value) throw new CorruptMediaError(`${name} is truncated or corrupt: ${outcome.value}`, { file: name });
  }
}
