import { runTool } from './run-tool.ts';

// MPEG-4 AAC-LC, 48 kHz (frequency index 3), two channels.
const PROFILE_LC = 1;
const FREQUENCY_INDEX_48K = 3;
const CHANNELS = 2;

/** The 7-byte ADTS header (no CRC) in front of one raw AAC-LC 48 kHz stereo frame. */
export function adtsHeader(payloadBytes: number): Buffer {
  const length = payloadBytes + 7;
  return Buffer.from([
    0xff,
    0xf1,
    (PROFILE_LC << 6) | (FREQUENCY_INDEX_48K << 2) | (CHANNELS >> 2),
    ((CHANNELS & 3) << 6) | (length >> 11),
    (length >> 3) & 0xff,
    ((length & 7) << 5) | 0x1f,
    0xfc,
  ]);
}

/** Raw frames (headers stripped) of an ADTS stream. */
export function splitAdts(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let pos = 0; pos + 7 <= data.length; ) {
    if (data[pos] !== 0xff || (data[pos + 1]! & 0xf0) !== 0xf0) throw new Error(`not an ADTS frame at byte ${pos}`);
    const header = data[pos + 1]! & 1 ? 7 : 9;
    const length = ((data[pos + 3]! & 3) << 11) | (data[pos + 4]! << 3) | (data[pos + 5]! >> 5);
    frames.push(data.subarray(pos + header, pos + length));
    pos += length;
  }
  return frames;
}

/** One AAC frame of digital silence, taken from the middle of an encode so it carries no encoder start-up. */
export async function silentFrame(args: { bitrate: number; signal?: AbortSignal | undefined }): Promise<Buffer> {
  const { stdout } = await runTool({
    command: 'ffmpeg',
    args: ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '0.5', '-c:a', 'aac', '-b:a', String(args.bitrate), '-f', 'adts', 'pipe:1'],
    signal: args.signal,
  });
  const frames = splitAdts(stdout);
  return Buffer.from(frames[Math.floor(frames.length / 2)]!);
}
