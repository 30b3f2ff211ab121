import { RenderError } from './errors.ts';
import { runTool } from './run-tool.ts';

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  nb_read_packets?: string;
  nb_frames?: string;
}

async function ffprobe(path: string, extra: string[], signal?: AbortSignal): Promise<ProbeStream[]> {
  const { stdout } = await runTool({ command: 'ffprobe', args: ['-v', 'error', ...extra, '-of', 'json', path], signal });
  return (JSON.parse(stdout.toString('utf8')) as { streams?: ProbeStream[] }).streams ?? [];
}

export interface MediaStreams {
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Which kinds of stream a file has (for sources the MP4 reader cannot index). */
export async function probeStreams(path: string, signal?: AbortSignal): Promise<MediaStreams> {
  const streams = await ffprobe(path, ['-show_entries', 'stream=codec_type'], signal);
  return { hasVideo: streams.some((s) => s.codec_type === 'video'), hasAudio: streams.some((s) => s.codec_type === 'audio') };
}

export interface OutputCheck {
  frames: number;
  width: number;
  height: number;
  audioSeconds: number | null;
  problems: string[];
}

/**
 * Reads back a written file and lists what differs from the list: the frame count (the record
 * duration), the size, the codecs, or sound missing or off by more than one AAC frame (1024
 * samples). Video packets are counted by demuxing the whole file unless `fromIndex`: then the
 * count is the one the sample tables declare, for files our own MP4 writer made (it checks that
 * the bytes it wrote are the bytes those tables describe), so the file is not read a second time.
 */
export async function measureOutput(args: {
  path: string;
  frames: number;
  width: number;
  height: number;
  seconds: number;
  fromIndex?: boolean;
  signal?: AbortSignal | undefined;
}): Promise<OutputCheck> {
  const entries = 'stream=codec_type,codec_name,width,height,pix_fmt,sample_rate,channels,duration';
  const streams = await ffprobe(
    args.path,
    // From the index it reads at most 2 MB of packets: it may run while the rest of the file is being written (mp4-writer.ts).
    args.fromIndex ? ['-probesize', '2000000', '-show_entries', `${entries},nb_frames`] : ['-count_packets', '-show_entries', `${entries},nb_read_packets`],
    args.signal,
  );
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const check: OutputCheck = {
    frames: Number((args.fromIndex ? video?.nb_frames : video?.nb_read_packets) ?? 0),
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    audioSeconds: audio?.duration === undefined ? null : Number(audio.duration),
    problems: [],
  };
  const { problems } = check;
  if (!video || video.codec_name !== 'h264' || video.pix_fmt !== 'yuv420p')
    problems.push(`video is ${video ? `${video.codec_name} ${video.pix_fmt}` : 'missing'}, not h264 yuv420p`);
  if (check.frames !== args.frames) problems.push(`it has ${check.frames} video frames, the list ${args.frames}`);
  if (check.width !== args.width || check.height !== args.height) problems.push(`it is ${check.width}x${check.height}, not ${args.width}x${args.height}`);
  if (!audio || audio.codec_name !== 'aac' || audio.sample_rate !== '48000' || audio.channels !== 2) problems.push('audio is not AAC 48 kHz stereo');
  else if (check.audioSeconds === null || Math.abs(check.audioSeconds - args.seconds) > 1024 / 48_000 + 1e-6) {
    problems.push(`audio lasts ${check.audioSeconds} s, the list ${args.seconds.toFixed(6)} s`);
  }
  return check;
}

/** measureOutput, throwing a RenderError naming every difference. */
export async function verifyOutput(args: Parameters<typeof measureOutput>[0]): Promise<OutputCheck> {
  const check = await measureOutput(args);
  if (check.problems.length)
    throw new RenderError(`the render does not match the list: ${check.problems.join('; ')}`, { ...check, expectedFrames: args.frames });
  return check;
}
