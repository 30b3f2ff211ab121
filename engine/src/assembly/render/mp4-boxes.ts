/** ISO BMFF boxes for a plain (unfragmented) MP4 with one video and one audio track. */

export function box(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...payload]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...payload);
}

function u32s(values: readonly number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32BE(v >>> 0, i * 4));
  return buf;
}

const MATRIX = u32s([0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000]);

export function ftyp(): Buffer {
  return box('ftyp', Buffer.from('isom', 'latin1'), u32s([512]), Buffer.from('isomiso2avc1mp41', 'latin1'));
}

export function mvhd(args: { timescale: number; duration: number; nextTrackId: number }): Buffer {
  const body = Buffer.alloc(96);
  body.writeUInt32BE(args.timescale, 8);
  body.writeUInt32BE(args.duration, 12);
  body.writeUInt32BE(0x00010000, 16); // rate 1.0
  body.writeUInt16BE(0x0100, 20); // volume 1.0
  MATRIX.copy(body, 32);
  body.writeUInt32BE(args.nextTrackId, 92);
  return fullBox('mvhd', 0, 0, body);
}

/** Run-length pairs: [count, value] for consecutive equal values. */
function runs(values: ArrayLike<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i++) {
    const last = out.at(-1);
    if (last && last[1] === values[i]) last[0]++;
    else out.push([1, values[i]!]);
  }
  return out;
}

export interface TrackTables {
  id: number;
  kind: 'video' | 'audio';
  timescale: number;
  /** In the track's timescale. */
  mediaDuration: number;
  /** In the movie's timescale. */
  presentedDuration: number;
  /** The edit list's media time: the first presented instant (B-frame delay, AAC priming). */
  mediaTime: number;
  sampleEntry: Buffer;
  width: number;
  height: number;
  durations: ArrayLike<number>;
  /** Composition offsets; null when every one is zero. */
  cts: ArrayLike<number> | null;
  /** 1-based sync sample numbers; null when every sample is one. */
  sync: number[] | null;
  sizes: ArrayLike<number>;
  /** Samples per chunk, in order. */
  chunkSamples: number[];
  chunkOffsets: number[];
}

export function trak(t: TrackTables, wideOffsets: boolean): Buffer {
  const tkhd = Buffer.alloc(80);
  tkhd.writeUInt32BE(t.id, 8);
  tkhd.writeUInt32BE(t.presentedDuration, 16);
  if (t.kind === 'audio') tkhd.writeUInt16BE(0x0100, 32);
  MATRIX.copy(tkhd, 36);
  tkhd.writeUInt32BE(t.width * 0x10000, 72);
  tkhd.writeUInt32BE(t.height * 0x10000, 76);
  const elst = Buffer.alloc(16);
  elst.writeUInt32BE(1, 0);
  elst.writeUInt32BE(t.presentedDuration, 4);
  elst.writeInt32BE(t.mediaTime, 8);
  elst.writeUInt32BE(0x00010000, 12);
  const mdhd = Buffer.alloc(20);
  mdhd.writeUInt32BE(t.timescale, 8);
  mdhd.writeUInt32BE(t.mediaDuration, 12);
  mdhd.writeUInt16BE(0x55c4, 16); // 'und'
  const handler = t.kind === 'video' ? 'vide' : 'soun';
  const hdlr = Buffer.concat([
    u32s([0]),
    Buffer.from(handler, 'latin1'),
    Buffer.alloc(12),
    Buffer.from(t.kind === 'video' ? 'VideoHandler\0' : 'SoundHandler\0', 'latin1'),
  ]);
  const header = t.kind === 'video' ? fullBox('vmhd', 0, 1, Buffer.alloc(8)) : fullBox('smhd', 0, 0, Buffer.alloc(4));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32s([1]), fullBox('url ', 0, 1)));
  const stts = runs(t.durations);
  let firstChunk = 1;
  const stsc = runs(t.chunkSamples).map(([count, perChunk]) => {
    const entry = [firstChunk, perChunk, 1];
    firstChunk += count;
    return entry;
  });
  const offsets = wideOffsets
    ? Buffer.concat(
        t.chunkOffsets.map((o) => {
          const b = Buffer.alloc(8);
          b.writeBigUInt64BE(BigInt(o));
          return b;
        }),
      )
    : u32s(t.chunkOffsets);
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32s([1]), t.sampleEntry),
    fullBox('stts', 0, 0, u32s([stts.length, ...stts.flat()])),
    ...(t.cts
      ? [
          (() => {
            const c = runs(t.cts);
            return fullBox('ctts', 0, 0, u32s([c.length, ...c.flat()]));
          })(),
        ]
      : []),
    ...(t.sync ? [fullBox('stss', 0, 0, u32s([t.sync.length, ...t.sync]))] : []),
    fullBox('stsc', 0, 0, u32s([stsc.length, ...stsc.flat()])),
    fullBox('stsz', 0, 0, u32s([0, t.sizes.length, ...Array.from(t.sizes)])),
    fullBox(wideOffsets ? 'co64' : 'stco', 0, 0, u32s([t.chunkOffsets.length]), offsets),
  );
  return box(
    'trak',
    fullBox('tkhd', 0, 3, tkhd),
    box('edts', fullBox('elst', 0, 0, elst)),
    box('mdia', fullBox('mdhd', 0, 0, mdhd), fullBox('hdlr', 0, 0, hdlr), box('minf', header, dinf, stbl)),
  );
}

/** An mp4a sample entry for AAC-LC 48 kHz stereo, for a render none of whose sources had sound. */
export function aacSampleEntry(bitrate: number): Buffer {
  const descriptor = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const specific = descriptor(5, Buffer.from([0x11, 0x90]));
  const config = Buffer.alloc(13);
  config[0] = 0x40; // MPEG-4 audio
  config[1] = 0x15; // audio stream
  config.writeUInt32BE(bitrate, 5);
  config.writeUInt32BE(bitrate, 9);
  const es = descriptor(3, Buffer.concat([Buffer.from([0, 1, 0]), descriptor(4, Buffer.concat([config, specific])), descriptor(6, Buffer.from([2]))]));
  const entry = Buffer.alloc(28);
  entry.writeUInt16BE(1, 6); // data reference index
  entry.writeUInt16BE(2, 16); // channels
  entry.writeUInt16BE(16, 18); // sample size
  entry.writeUInt32BE(48_000 * 0x10000, 24);
  return box('mp4a', entry, fullBox('esds', 0, 0, es));
}
