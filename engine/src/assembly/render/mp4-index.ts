import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface Mp4Edit {
  duration: number;
  /** -1 is an empty edit (a delay before the media starts). */
  mediaTime: number;
}

export interface Mp4Track {
  id: number;
  /** hdlr type: 'vide', 'soun'... */
  handler: string;
  timescale: number;
  /** The sample entry's four-character code: avc1, mp4a... */
  codec: string;
  /** The whole first sample entry box (header included), to write into a copy unchanged. */
  sampleEntry: Buffer;
  /** avcC for H.264, the AudioSpecificConfig for AAC: identical bytes mean identical decoder setup. */
  config: Buffer | null;
  /** esds objectTypeIndication (0x40: MPEG-4 audio). */
  objectType: number | null;
  avgBitrate: number | null;
  width: number;
  height: number;
  channels: number;
  sampleRate: number;
  edits: Mp4Edit[];
  /** Per sample, in decode order. */
  offsets: number[];
  sizes: number[];
  dts: number[];
  /** Composition offsets (pts = dts + cts, before the edit list). */
  cts: number[];
  /** 0-based decode indexes of sync samples; null when every sample is one. */
  sync: number[] | null;
}

export interface Mp4Index {
  tracks: Mp4Track[];
}

const MAX_MOOV_BYTES = 256 * 1024 * 1024;

/**
 * The sample tables of an MP4/MOV file, read from its moov box without touching the media.
 * Null for what this reader does not handle (not ISO BMFF, fragmented, compact sample sizes):
 * such files simply take the re-encoding path.
 */
export async function readMp4Index(path: string): Promise<Mp4Index | null> {
  // Synchronous: a handful of small reads per file, each cheaper than a thread-pool round trip,
  // which on a busy machine waits for a core twice (a list reads hundreds of these).
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    let moov: Buffer | null = null;
    for (let pos = 0; pos + 8 <= size;) {
      const head = Buffer.alloc(16);
      readSync(fd, head, 0, 16, pos);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1) {
        boxSize = Number(head.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) boxSize = size - pos;
      if (boxSize < headerSize) return null;
      if (pos === 0 && !['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(type)) return null;
      if (type === 'moof') return null;
      if (type === 'moov') {
        if (boxSize > MAX_MOOV_BYTES) return null;
        moov = Buffer.alloc(boxSize - headerSize);
        if (readSync(fd, moov, 0, moov.length, pos + headerSize) !== moov.length) return null;
      }
      pos += boxSize;
    }
    if (!moov) return null;
    const tracks: Mp4Track[] = [];
    for (const trak of children(moov, 0, moov.length).filter((b) => b.type === 'trak')) {
      const track = parseTrak(moov, trak.start, trak.end);
      if (!track) return null;
      tracks.push(track);
    }
    return { tracks };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function children(buf: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let pos = start; pos + 8 <= end;) {
    let size = buf.readUInt32BE(pos);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) break;
    boxes.push({ type: buf.toString('latin1', pos + 4, pos + 8), start: pos + header, end: pos + size });
    pos += size;
  }
  return boxes;
}

function child(buf: Buffer, box: Box | undefined, path: string[]): Box | undefined {
  let current = box;
  for (const type of path) {
    if (!current) return undefined;
    current = children(buf, current.start, current.end).find((b) => b.type === type);
  }
  return current;
}

function parseTrak(buf: Buffer, start: number, end: number): Mp4Track | null {
  const trak: Box = { type: 'trak', start, end };
  const tkhd = child(buf, trak, ['tkhd']);
  const mdhd = child(buf, trak, ['mdia', 'mdhd']);
  const hdlr = child(buf, trak, ['mdia', 'hdlr']);
  const stbl = child(buf, trak, ['mdia', 'minf', 'stbl']);
  if (!tkhd || !mdhd || !hdlr || !stbl) return null;
  const id = buf.readUInt32BE(tkhd.start + (buf[tkhd.start] === 1 ? 20 : 12));
  const timescale = buf.readUInt32BE(mdhd.start + (buf[mdhd.start] === 1 ? 20 : 12));
  const handler = buf.toString('latin1', hdlr.start + 8, hdlr.start + 12);
  const table = (type: string) => child(buf, stbl, [type]);
  const entry = readSampleEntry(buf, table('stsd'));
  const sizes = readSizes(buf, table('stsz'));
  if (!sizes || !entry) return null;
  const count = sizes.length;
  const dts = readDecodeTimes(buf, table('stts'), count);
  const offsets = readOffsets(buf, table('stsc'), table('stco') ?? table('co64'), sizes);
  if (!dts || !offsets) return null;
  const stss = table('stss');
  return {
    id,
    handler,
    timescale,
    ...entry,
    edits: readEdits(buf, child(buf, trak, ['edts', 'elst'])),
    offsets,
    sizes,
    dts,
    cts: readCompositionOffsets(buf, table('ctts'), count),
    sync: stss ? readUInt32s(buf, stss.start + 8, buf.readUInt32BE(stss.start + 4)).map((n) => n - 1) : null,
  };
}

type SampleEntry = Pick<Mp4Track, 'codec' | 'sampleEntry' | 'config' | 'objectType' | 'avgBitrate' | 'width' | 'height' | 'channels' | 'sampleRate'>;

function readSampleEntry(buf: Buffer, stsd: Box | undefined): SampleEntry | null {
  if (!stsd || buf.readUInt32BE(stsd.start + 4) < 1) return null;
  const [entry] = children(buf, stsd.start + 8, stsd.end);
  if (!entry) return null;
  // Sample entries are small: their header is the 8-byte form.
  const sampleEntry = Buffer.from(buf.subarray(entry.start - 8, entry.end));
  const base: SampleEntry = {
    codec: entry.type,
    sampleEntry,
    config: null,
    objectType: null,
    avgBitrate: null,
    width: 0,
    height: 0,
    channels: 0,
    sampleRate: 0,
  };
  if (['avc1', 'avc3'].includes(entry.type)) {
    const avcC = children(buf, entry.start + 78, entry.end).find((b) => b.type === 'avcC');
    return {
      ...base,
      width: buf.readUInt16BE(entry.start + 24),
      height: buf.readUInt16BE(entry.start + 26),
      config: avcC ? Buffer.from(buf.subarray(avcC.start, avcC.end)) : null,
    };
  }
  if (entry.type === 'mp4a') {
    // QuickTime sound descriptions v1 and v2 add 16 and 36 bytes before the child boxes.
    const version = buf.readUInt16BE(entry.start + 8);
    const extra = version === 1 ? 16 : version === 2 ? 36 : 0;
    const esds = children(buf, entry.start + 28 + extra, entry.end).find((b) => b.type === 'esds');
    const audio = { ...base, channels: buf.readUInt16BE(entry.start + 16), sampleRate: buf.readUInt32BE(entry.start + 24) >>> 16 };
    return esds ? { ...audio, ...readEsds(buf, esds.start + 4, esds.end) } : audio;
  }
  return base;
}

/** ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo (ISO 14496-1). */
function readEsds(buf: Buffer, start: number, end: number): Pick<SampleEntry, 'config' | 'objectType' | 'avgBitrate'> {
  const result: Pick<SampleEntry, 'config' | 'objectType' | 'avgBitrate'> = { config: null, objectType: null, avgBitrate: null };
  let pos = start;
  const descriptor = (): { tag: number; start: number; end: number } | null => {
    if (pos + 2 > end) return null;
    const tag = buf[pos++]!;
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const byte = buf[pos++]!;
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag, start: pos, end: Math.min(end, pos + length) };
  };
  const es = descriptor();
  if (!es || es.tag !== 3) return result;
  const flags = buf[es.start + 2]!;
  pos = es.start + 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + buf[es.start + 3]! : 0) + (flags & 0x20 ? 2 : 0);
  const config = descriptor();
  if (!config || config.tag !== 4) return result;
  result.objectType = buf[config.start]!;
  result.avgBitrate = buf.readUInt32BE(config.start + 9);
  pos = config.start + 13;
  const specific = descriptor();
  if (specific && specific.tag === 5) result.config = Buffer.from(buf.subarray(specific.start, specific.end));
  return result;
}

function readUInt32s(buf: Buffer, start: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = buf.readUInt32BE(start + i * 4);
  return out;
}

function readSizes(buf: Buffer, stsz: Box | undefined): number[] | null {
  if (!stsz) return null;
  const uniform = buf.readUInt32BE(stsz.start + 4);
  const count = buf.readUInt32BE(stsz.start + 8);
  return uniform ? new Array<number>(count).fill(uniform) : readUInt32s(buf, stsz.start + 12, count);
}

function readDecodeTimes(buf: Buffer, stts: Box | undefined, count: number): number[] | null {
  if (!stts) return null;
  const dts = new Array<number>(count);
  let t = 0;
  let i = 0;
  const entries = buf.readUInt32BE(stts.start + 4);
  for (let e = 0; e < entries; e++) {
    const n = buf.readUInt32BE(stts.start + 8 + e * 8);
    const delta = buf.readUInt32BE(stts.start + 12 + e * 8);
    for (let k = 0; k < n && i < count; k++, i++) {
      dts[i] = t;
      t += delta;
    }
  }
  return i === count ? dts : null;
}

function readCompositionOffsets(buf: Buffer, ctts: Box | undefined, count: number): number[] {
  const cts = new Array<number>(count).fill(0);
  if (!ctts) return cts;
  const signed = buf[ctts.start] === 1;
  const entries = buf.readUInt32BE(ctts.start + 4);
  let i = 0;
  for (let e = 0; e < entries; e++) {
    const n = buf.readUInt32BE(ctts.start + 8 + e * 8);
    const offset = signed ? buf.readInt32BE(ctts.start + 12 + e * 8) : buf.readUInt32BE(ctts.start + 12 + e * 8);
    for (let k = 0; k < n && i < count; k++) cts[i++] = offset;
  }
  return cts;
}

function readOffsets(buf: Buffer, stsc: Box | undefined, stco: Box | undefined, sizes: number[]): number[] | null {
  if (!stsc || !stco) return null;
  const wide = buf.toString('latin1', stco.start - 4, stco.start) === 'co64';
  const chunkCount = buf.readUInt32BE(stco.start + 4);
  const chunkOffset = (c: number) => (wide ? Number(buf.readBigUInt64BE(stco.start + 8 + c * 8)) : buf.readUInt32BE(stco.start + 8 + c * 4));
  const runs = buf.readUInt32BE(stsc.start + 4);
  const offsets = new Array<number>(sizes.length);
  let sample = 0;
  for (let r = 0; r < runs; r++) {
    const firstChunk = buf.readUInt32BE(stsc.start + 8 + r * 12) - 1;
    const perChunk = buf.readUInt32BE(stsc.start + 12 + r * 12);
    const lastChunk = r + 1 < runs ? buf.readUInt32BE(stsc.start + 8 + (r + 1) * 12) - 1 : chunkCount;
    for (let c = firstChunk; c < lastChunk; c++) {
      let offset = chunkOffset(c);
      for (let k = 0; k < perChunk && sample < sizes.length; k++) {
        offsets[sample] = offset;
        offset += sizes[sample++]!;
      }
    }
  }
  return sample === sizes.length ? offsets : null;
}

function readEdits(buf: Buffer, elst: Box | undefined): Mp4Edit[] {
  if (!elst) return [];
  const v1 = buf[elst.start] === 1;
  const count = buf.readUInt32BE(elst.start + 4);
  const edits: Mp4Edit[] = [];
  for (let i = 0, pos = elst.start + 8; i < count; i++, pos += v1 ? 20 : 12) {
    edits.push(
      v1
        ? { duration: Number(buf.readBigUInt64BE(pos)), mediaTime: Number(buf.readBigInt64BE(pos + 8)) }
        : { duration: buf.readUInt32BE(pos), mediaTime: buf.readInt32BE(pos + 4) },
    );
  }
  return edits;
}
