import { open, type FileHandle } from 'node:fs/promises';
import { box, ftyp, mvhd, trak, type TrackTables } from './mp4-boxes.ts';

/** A sample's bytes: a span of a source file, or bytes in memory (re-encoded or silent audio). */
export type SampleData = { path: string; offset: number; size: number } | { data: Buffer };

export interface VideoSample {
  data: SampleData;
  /** Ticks of the video timescale; dts rises by frameTicks per sample, pts is the presentation. */
  pts: number;
  dts: number;
  sync: boolean;
}

export interface Mp4Input {
  video: { sampleEntry: Buffer; timescale: number; frameTicks: number; width: number; height: number; samples: VideoSample[] };
  /** 1024-sample AAC frames; the first is priming that the edit list hides when `primed`. */
  audio: { sampleEntry: Buffer; samples: SampleData[]; primed: boolean };
}

const WINDOW = 8 << 20;
// Picture and sound of the same second sit close together in a source, in either order.
const WINDOW_BACK = 1 << 20;
const OUT_BUFFER = 4 << 20;

/**
 * Writes copied samples into a new MP4 with the moov first (what +faststart produces), interleaving
 * picture and sound in one-second chunks. Only sample tables are written; the media bytes are
 * copied as they are, so nothing is decoded or re-encoded.
 */
export async function writeMp4(args: {
  path: string;
  input: Mp4Input;
  signal?: AbortSignal | undefined;
  onProgress?: (fraction: number) => void;
}): Promise<void> {
  const { video, audio } = args.input;
  const size = (d: SampleData) => ('data' in d ? d.data.length : d.size);
  const framesPerChunk = Math.max(1, Math.round(video.timescale / video.frameTicks));
  const audioPerChunk = 47; // about one second of 1024-sample frames at 48 kHz
  const chunks: Array<{ kind: 'video' | 'audio'; first: number; count: number; time: number; bytes: number }> = [];
  for (let i = 0; i < video.samples.length; i += framesPerChunk) {
    const count = Math.min(framesPerChunk, video.samples.length - i);
    chunks.push({
      kind: 'video',
      first: i,
      count,
      time: video.samples[i]!.dts / video.timescale,
      bytes: sumSizes(video.samples.slice(i, i + count).map((s) => size(s.data))),
    });
  }
  for (let i = 0; i < audio.samples.length; i += audioPerChunk) {
    const count = Math.min(audioPerChunk, audio.samples.length - i);
    chunks.push({
      kind: 'audio',
      first: i,
      count,
      time: ((i - (audio.primed ? 1 : 0)) * 1024) / 48_000,
      bytes: sumSizes(audio.samples.slice(i, i + count).map(size)),
    });
  }
  chunks.sort((a, b) => a.time - b.time || (a.kind === 'video' ? -1 : 1));
  const payload = sumSizes(chunks.map((c) => c.bytes));

  // The edit list starts presentation at the earliest pts, which B-frames put after the first dts.
  let shift = 0;
  for (const s of video.samples) shift = Math.max(shift, s.dts - s.pts);
  const frames = video.samples.length;
  const audioFrames = audio.samples.length - (audio.primed ? 1 : 0);
  const tables = (chunkBase: number): [TrackTables, TrackTables] => {
    const offsets = { video: [] as number[], audio: [] as number[] };
    const counts = { video: [] as number[], audio: [] as number[] };
    let at = chunkBase;
    for (const c of chunks) {
      offsets[c.kind].push(at);
      counts[c.kind].push(c.count);
      at += c.bytes;
    }
    const presented = frames * video.frameTicks;
    return [
      {
        id: 1,
        kind: 'video',
        timescale: video.timescale,
        mediaDuration: presented,
        presentedDuration: presented,
        mediaTime: shift,
        sampleEntry: video.sampleEntry,
        width: video.width,
        height: video.height,
        durations: new Array<number>(frames).fill(video.frameTicks),
        cts: shift > 0 || video.samples.some((s) => s.pts !== s.dts) ? video.samples.map((s) => s.pts - s.dts + shift) : null,
        sync: video.samples.every((s) => s.sync) ? null : video.samples.flatMap((s, i) => (s.sync ? [i + 1] : [])),
        sizes: video.samples.map((s) => size(s.data)),
        chunkSamples: counts.video,
        chunkOffsets: offsets.video,
      },
      {
        id: 2,
        kind: 'audio',
        timescale: 48_000,
        mediaDuration: audio.samples.length * 1024,
        presentedDuration: Math.round((audioFrames * 1024 * video.timescale) / 48_000),
        mediaTime: audio.primed ? 1024 : 0,
        sampleEntry: audio.sampleEntry,
        width: 0,
        height: 0,
        durations: new Array<number>(audio.samples.length).fill(1024),
        cts: null,
        sync: null,
        sizes: audio.samples.map(size),
        chunkSamples: counts.audio,
        chunkOffsets: offsets.audio,
      },
    ];
  };
  const moov = (base: number, wide: boolean) => {
    const [v, a] = tables(base);
    return box('moov', mvhd({ timescale: video.timescale, duration: frames * video.frameTicks, nextTrackId: 3 }), trak(v, wide), trak(a, wide));
  };
  const head = ftyp();
  const draft = moov(0, false);
  const wideMdat = payload + 8 > 0xffffffff;
  const mdatHeader = wideMdat ? 16 : 8;
  const wide = head.length + draft.length + mdatHeader + payload > 0xffffffff;
  const sized = wide ? moov(0, true) : draft;
  const base = head.length + sized.length + mdatHeader;
  const mdat = Buffer.alloc(mdatHeader);
  if (wideMdat) {
    mdat.writeUInt32BE(1, 0);
    mdat.write('mdat', 4, 'latin1');
    mdat.writeBigUInt64BE(BigInt(payload + 16), 8);
  } else {
    mdat.writeUInt32BE(payload + 8, 0);
    mdat.write('mdat', 4, 'latin1');
  }

  const out = await open(args.path, 'w');
  const readers = new Map<string, SourceReader>();
  try {
    const writer = new BufferedWriter(out);
    await writer.append(Buffer.concat([head, moov(base, wide), mdat]));
    let written = 0;
    for (const c of chunks) {
      args.signal?.throwIfAborted();
      for (let i = c.first; i < c.first + c.count; i++) {
        const data = c.kind === 'video' ? video.samples[i]!.data : audio.samples[i]!;
        let bytes: Buffer;
        if ('data' in data) bytes = data.data;
        else {
          let reader = readers.get(data.path);
          if (!reader) readers.set(data.path, (reader = await SourceReader.open(data.path)));
          // The synchronous path is the common one: thousands of small samples per second of film.
          bytes = reader.peek(data.offset, data.size) ?? (await reader.fill(data.offset, data.size));
        }
        if (!writer.tryAppend(bytes)) await writer.append(bytes);
      }
      written += c.bytes;
      args.onProgress?.(written / payload);
    }
    await writer.flush();
  } finally {
    await out.close();
    for (const reader of readers.values()) await reader.close();
  }
}

function sumSizes(sizes: number[]): number {
  let n = 0;
  for (const s of sizes) n += s;
  return n;
}

/** Reads a file through a sliding window: samples come in nearly increasing offsets. */
class SourceReader {
  private window = Buffer.alloc(0);
  private start = 0;
  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  static async open(path: string): Promise<SourceReader> {
    const handle = await open(path, 'r');
    return new SourceReader(handle, (await handle.stat()).size);
  }

  peek(offset: number, size: number): Buffer | null {
    if (offset < this.start || offset + size > this.start + this.window.length) return null;
    return this.window.subarray(offset - this.start, offset - this.start + size);
  }

  async fill(offset: number, size: number): Promise<Buffer> {
    const start = Math.max(0, offset - WINDOW_BACK);
    const length = Math.max(offset - start + size, Math.min(WINDOW, this.size - start));
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buf, 0, length, start);
    if (bytesRead < offset - start + size) throw new Error(`short read at byte ${offset}`);
    this.window = buf.subarray(0, bytesRead);
    this.start = start;
    return this.peek(offset, size)!;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

class BufferedWriter {
  private readonly buf = Buffer.allocUnsafe(OUT_BUFFER);
  private used = 0;
  private position = 0;
  constructor(private readonly handle: FileHandle) {}

  /** Copies into the buffer when it fits; false when it must be flushed first. */
  tryAppend(data: Buffer): boolean {
    if (this.used + data.length > this.buf.length) return false;
    data.copy(this.buf, this.used);
    this.used += data.length;
    return true;
  }

  async append(data: Buffer): Promise<void> {
    if (this.tryAppend(data)) return;
    await this.flush();
    if (this.tryAppend(data)) return;
    await this.handle.write(data, 0, data.length, this.position);
    this.position += data.length;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.handle.write(this.buf, 0, this.used, this.position);
    this.position += this.used;
    this.used = 0;
  }
}
