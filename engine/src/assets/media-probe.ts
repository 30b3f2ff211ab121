import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { CorruptMediaError, EmptyUploadError, UnsupportedMediaError } from './asset-errors.ts';
import { probeImage, sha256File } from './image-probe.ts';

export type MediaKind = 'image' | 'video' | 'audio';

export interface ProbedMedia {
  kind: MediaKind;
  mime: string;
  ext: string;
  sha256: string;
  width?: number;
  height?: number;
  duration?: number;
  fps?: number;
  codec?: string;
}

const VIDEO = new Map([
  ['video/mp4', 'mp4'],
  ['video/quicktime', 'mov'],
  ['video/webm', 'webm'],
  ['video/x-matroska', 'mkv'],
  ['video/x-msvideo', 'avi'],
  ['video/mp2t', 'ts'],
]);
const AUDIO = new Map([
  ['audio/wav', 'wav'],
  ['audio/vnd.wave', 'wav'],
  ['audio/x-wav', 'wav'],
  ['audio/mpeg', 'mp3'],
  ['audio/flac', 'flac'],
  ['audio/x-flac', 'flac'],
  ['audio/ogg', 'ogg'],
  ['audio/opus', 'opus'],
  ['audio/aac', 'aac'],
  ['audio/x-m4a', 'm4a'],
  ['audio/mp4', 'm4a'],
]);

interface FfprobeOutput {
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    duration?: string;
    nb_read_packets?: string;
  }>;
  format?: { duration?: string };
}

function ffprobe(path: string): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) =>
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_packets',
        '-show_entries',
        'stream=codec_type,codec_name,width,height,avg_frame_rate,duration,nb_read_packets:format=duration',
        '-of',
        'json',
        path,
      ],
      { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(stderr.trim().split('\n').slice(-2).join(' ') || error.message));
        try {
          resolve(JSON.parse(stdout) as FfprobeOutput);
        } catch {
          reject(new Error('ffprobe printed no JSON'));
        }
      },
    ),
  );
}

/** Decodes the whole stream to nowhere: a truncated or corrupt file makes ffmpeg report errors. */
function decodeErrors(path: string, stream: 'v:0' | 'a:0'): Promise<string | null> {
  return new Promise((resolve) =>
    execFile(
      'ffmpeg',
      ['-v', 'error', '-xerror', '-i', path, '-map', `0:${stream}`, '-f', 'null', '-'],
      { timeout: 600_000, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => resolve(error ? stderr.trim().split('\n').slice(-2).join(' ') || 'ffmpeg could not decode it' : null),
    ),
  );
}

const rate = (text?: string) => {
  const [n, d] = (text ?? '').split('/').map(Number);
  return n && d ? Math.round((n / d) * 1000) / 1000 : undefined;
};

/** What an imported file is, from its bytes: an image (sharp), or a video or audio (ffprobe, fully decoded). */
export async function probeMedia(path: string, name: string): Promise<ProbedMedia> {
  if ((await stat(path)).size === 0) throw new EmptyUploadError(`${name} is empty (0 bytes)`, { file: name });
  const type = await fileTypeFromFile(path);
  if (type?.mime.startsWith('image/')) {
    const image = await probeImage(path, name, 1);
    return { kind: 'image', mime: image.mime, ext: image.ext, sha256: image.sha256, width: image.width, height: image.height };
  }
  const ext = type ? (VIDEO.get(type.mime) ?? AUDIO.get(type.mime)) : undefined;
  if (!type || !ext)
    throw new UnsupportedMediaError(`${name} is ${type ? type.mime : 'not a known file type'}: import images, video or audio`, {
      file: name,
      detected: type?.mime ?? null,
    });
  let probed: FfprobeOutput;
  try {
    probed = await ffprobe(path);
  } catch (error) {
    throw new CorruptMediaError(`${name} could not be read: ${(error as Error).message}`, { file: name });
  }
  const video = probed.streams?.find((s) => s.codec_type === 'video');
  const audio = probed.streams?.find((s) => s.codec_type === 'audio');
  const kind: MediaKind = VIDEO.has(type.mime) && video ? 'video' : 'audio';
  const stream = kind === 'video' ? video : audio;
  if (!stream || stream.nb_read_packets === '0') throw new CorruptMediaError(`${name} has no readable ${kind} stream`, { file: name });
  const problem = await decodeErrors(path, kind === 'video' ? 'v:0' : 'a:0');
  if (problem) throw new CorruptMediaError(`${name} is truncated or corrupt: ${problem}`, { file: name });
  const duration = Number(stream.duration ?? probed.format?.duration);
  return {
    kind,
    mime: type.mime,
    ext,
    sha256: await sha256File(path),
    ...(kind === 'video' ? { width: stream.width, height: stream.height, fps: rate(stream.avg_frame_rate) } : {}),
    ...(Number.isFinite(duration) ? { duration } : {}),
    codec: stream.codec_name,
  };
}
