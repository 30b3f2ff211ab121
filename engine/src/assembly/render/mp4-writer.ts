import { closeSync, fstatSync, openSync, readSync, writevSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
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
// More than a header-only ffprobe reads past the moov (probe.ts pins its probe size below this).
const HEAD_BYTES = 4 << 20;

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
  /** Called once, when the moov and the first HEAD_BYTES of samples (or the whole file, if smaller) are on disk. */
  onHeadWritten?: (() => void) | undefined;
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

  // Synchronous reads and writes of a few MB at a time, yielding to the event loop between them:
  // on a busy machine a thread-pool round trip per read or write costs more than the copy itself.
  const out = openSync(args.path, 'w');
  const writer = new SampleWriter(out);
  try {
    writer.append(Buffer.concat([head, moov(base, wide), mdat]));
    let written = 0;
    let flushed = 0;
    let headCalled = false;
    for (const c of chunks) {
      for (let i = c.first; i < c.first + c.count; i++) writer.add(c.kind === 'video' ? video.samples[i]!.data : audio.samples[i]!);
      written += c.bytes;
      if (writer.flushes !== flushed) {
        if (!headCalled && writer.position >= base + HEAD_BYTES) {
          headCalled = true;
          args.onHeadWritten?.();
        }
        flushed = writer.flushes;
        args.onProgress?.(written / payload);
        await yieldToLoop();
        args.signal?.throwIfAborted();
      }
    }
    writer.finish();
    if (writer.position !== base + payload) throw new Error(`wrote ${writer.position} bytes, the tables describe ${base + payload}`);
    if (!headCalled) args.onHeadWritten?.();
    args.onProgress?.(1);
  } finally {
    writer.close();
  }
}

function sumSizes(sizes: number[]): number {
  let n = 0;
  for (const s of sizes) n += s;
  return n;
}

// Samples are written as slices of the readers' windows, without copying them in user space.
const MAX_SLICES = 1024;
const OPEN_READERS = 8;

/**
 * Appends samples to the output: each source is read through a window (one read per few MB), and
 * the samples go out as slices of those windows in vectored writes of up to OUT_BUFFER bytes, so
 * the media bytes are never copied in user space.
 */
class SampleWriter {
  private slices: Buffer[] = [];
  private pending = 0;
  // Most recently used last; a list moves through its sources in order, so few are open at once.
  private readonly readers = new Map<string, SourceReader>();
  position = 0;
  flushes = 0;
  constructor(private readonly fd: number) {}

  add(data: SampleData): void {
    if ('data' in data) return this.push(data.data);
    let reader = this.readers.get(data.path);
    if (reader) this.readers.delete(data.path);
    else {
      reader = SourceReader.open(data.path);
      if (this.readers.size >= OPEN_READERS) {
        const [path, oldest] = this.readers.entries().next().value as [string, SourceReader];
        this.readers.delete(path);
        oldest.close();
      }
    }
    this.readers.set(data.path, reader);
    // A refill reuses the window, which the slices not yet written may still point into.
    if (!reader.holds(data.offset, data.size)) {
      this.flush();
      reader.fill(data.offset, data.size);
    }
    this.push(reader.slice(data.offset, data.size));
  }

  append(data: Buffer): void {
    this.push(data);
  }

  finish(): void {
    this.flush();
  }

  close(): void {
    closeSync(this.fd);
    for (const reader of this.readers.values()) reader.close();
  }

  private push(bytes: Buffer): void {
    const last = this.slices.at(-1);
    if (last && last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset)
      this.slices[this.slices.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length);
    else this.slices.push(bytes);
    this.pending += bytes.length;
    if (this.slices.length >= MAX_SLICES || this.pending >= OUT_BUFFER) this.flush();
  }

  private flush(): void {
    if (this.pending === 0) return;
    let slices = this.slices;
    let left = this.pending;
    while (left > 0) {
      let n = writevSync(this.fd, slices, this.position);
      this.position += n;
      left -= n;
      if (left === 0) break;
      // A short write: drop what went out and go on with the rest.
      let k = 0;
      while (n >= slices[k]!.length) n -= slices[k++]!.length;
      slices = [slices[k]!.subarray(n), ...slices.slice(k + 1)];
    }
    this.slices = [];
    this.pending = 0;
    this.flushes++;
  }
}

/** Reads a file through a window it reuses: samples come in nearly increasing offsets. */
class SourceReader {
  private window: Buffer;
  private start = 0;
  private length = 0;
  private constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    this.window = Buffer.allocUnsafe(Math.min(WINDOW, size));
  }

  static open(path: string): SourceReader {
    const fd = openSync(path, 'r');
    try {
      return new SourceReader(fd, fstatSync(fd).size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  holds(offset: number, size: number): boolean {
    return offset >= this.start && offset + size <= this.start + this.length;
  }

  slice(offset: number, size: number): Buffer {
    return this.window.subarray(offset - this.start, offset - this.start + size);
  }

  fill(offset: number, size: number): void {
    const start = Math.max(0, offset - WINDOW_BACK);
    const length = Math.max(offset - start + size, Math.min(WINDOW, this.size - start));
    if (length > this.window.length) this.window = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, this.window, got, length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    if (got < offset - start + size) throw new Error(`short read at byte ${offset}`);
    this.start = start;
    this.length = got;
  }

  close(): void {
    closeSync(this.fd);
  }
}
