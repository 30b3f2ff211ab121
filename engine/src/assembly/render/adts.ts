/** Raw frames (headers stripped) of an ADTS stream. */
export function splitAdts(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let pos = 0; pos + 7 <= data.length;) {
    if (data[pos] !== 0xff || (data[pos + 1]! & 0xf0) !== 0xf0) throw new Error(`not an ADTS frame at byte ${pos}`);
    const header = data[pos + 1]! & 1 ? 7 : 9;
    const length = ((data[pos + 3]! & 3) << 11) | (data[pos + 4]! << 3) | (data[pos + 5]! >> 5);
    frames.push(data.subarray(pos + header, pos + length));
    pos += length;
  }
  return frames;
}

/**
 * One AAC-LC stereo frame of digital silence: a channel pair with no spectral data, as ffmpeg's
 * encoder writes it for silence at any bitrate (checked by adts.test.ts).
 */
export const SILENT_FRAME = Buffer.from('211004608c1c', 'hex');
