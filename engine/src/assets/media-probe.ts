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
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    duration?: string;
  }>;
  format?: { duration?: string; format_name?: string };
}

/** The container and streams from the file's header: no packet is read, whatever the file's size. */
function ffprobe(path: string): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) =>
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=index,codec_type,codec_name,width,height,avg_frame_rate,duration:format=duration,format_name',
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

const rate = (text?: string) => {
  const [n, d] = (text ?? '').split('/').map(Number);
  return n && d ? Math.round((n / d) * 1000) / 1000 : undefined;
};

/** The stream of a video or audio file that its integrity check reads (media-integrity.ts). */
export interface MediaStream {
  /** ffprobe's stream index. */
  index: number;
  /** ffprobe's format_name, e.g. `matroska,webm`. */
  container: string;
  /** Seconds, from the header; absent when the header does not say. */
  duration?: number;
}

export interface ProbeResult {
  media: ProbedMedia;
  /** null for an image (sharp decoded it whole already). */
  stream: MediaStream | null;
}

/**
 * What an imported file is, from its bytes: an image (sharp, decoded whole), or a video or audio
 * (ffprobe of its header). Whether a video or audio is whole is checkMediaIntegrity's question.
 * `sha256` is the hash taken while the upload streamed in; without it the file is read to hash it.
 */
export async function probeMedia(path: string, name: string, sha256?: string): Promise<ProbeResult> {
  if ((await stat(path)).size === 0) throw new EmptyUploadError(`${name} is empty (0 bytes)`, { file: name });
  const type = await fileTypeFromFile(path);
  if (type?.mime.startsWith('image/')) {
    const image = await probeImage(path, name, 1, sha256);
    return { media: { kind: 'image', mime: image.mime, ext: image.ext, sha256: image.sha256, width: image.width, height: image.height }, stream: null };
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
  if (!stream || stream.index === undefined) throw new CorruptMediaError(`${name} has no readable ${kind} stream`, { file: name });
  const duration = Number(stream.duration ?? probed.format?.duration);
  return {
    media: {
      kind,
      mime: type.mime,
      ext,
      sha256: sha256 ?? (await sha256File(path)),
      ...(kind === 'video' ? { width: stream.width, height: stream.height, fps: rate(stream.avg_frame_rate) } : {}),
      ...(Number.isFinite(duration) ? { duration } : {}),
      codec: stream.codec_name,
    },
    stream: { index: stream.index, container: probed.format?.format_name ?? '', ...(Number.isFinite(duration) && duration > 0 ? { duration } : {}) },
  };
}
