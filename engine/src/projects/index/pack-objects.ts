import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { MAX_OBJECT_BYTES, type GitObject } from './loose-object.ts';

/** git's own default delta depth is 50; a longer chain than this is left to git. */
const MAX_DELTA_DEPTH = 64;
const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;
const IDX_MAGIC = 0xff744f63;

/** One pack: its index (v2) in memory, its objects read from the .pack file by offset. */
interface Pack {
  packPath: string;
  count: number;
  hashBytes: number;
  /** The sorted object names, `hashBytes` each. */
  names: Buffer;
  fanout: Uint32Array;
  offsets: number[];
  /** Every object's start, sorted, then the pack's trailer: an object ends where the next begins. */
  sortedStarts?: number[];
  /** The .pack file, opened at its first read and kept open until close(). */
  file?: { fd: number; size: number };
}

/**
 * Objects in a repository's pack files (`.git/objects/pack/*.idx` version 2 and their `.pack`),
 * read in this process: whole objects and OFS_DELTA/REF_DELTA chains resolved against objects of
 * the same pack. Null where git must answer instead: an object in no pack here, a pack or index
 * that does not parse, a delta whose base is elsewhere, a chain deeper than MAX_DELTA_DEPTH or an
 * object larger than MAX_OBJECT_BYTES. Never throws for what a repository holds.
 */
export class PackedObjects {
  readonly #packs: Pack[];

  private constructor(
    packs: Pack[],
    readonly hashBytes: number,
  ) {
    this.#packs = packs;
  }

  /** The packs of `gitDir` whose index parses (none is fine: every read is then null). */
  static open(gitDir: string, hashBytes: number): PackedObjects {
    const dir = join(gitDir, 'objects', 'pack');
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => /^pack-[0-9a-f]+\.idx$/.test(f));
    } catch {
      files = [];
    }
    const packs = files.map((f) => readIndex(join(dir, f), hashBytes)).filter((p): p is Pack => p !== null);
    return new PackedObjects(packs, hashBytes);
  }

  get packCount(): number {
    return this.#packs.length;
  }

  /** Closes the pack files reads opened. */
  close(): void {
    for (const pack of this.#packs) {
      if (pack.file) closeSync(pack.file.fd);
      pack.file = undefined;
    }
  }

  read(sha: string): GitObject | null {
    if (sha.length !== this.hashBytes * 2 || !/^[0-9a-f]+$/.test(sha)) return null;
    const name = Buffer.from(sha, 'hex');
    for (const pack of this.#packs) {
      const at = find(pack, name, this.hashBytes);
      if (at < 0) continue;
      try {
        return this.#readAt(pack, pack.offsets[at]!, 0);
      } catch {
        return null;
      }
    }
    return null;
  }

  #readAt(pack: Pack, offset: number, depth: number): GitObject | null {
    if (depth > MAX_DELTA_DEPTH) return null;
    const raw = readExtent(pack, offset);
    if (!raw) return null;
    let at = 0;
    let byte = raw[at++]!;
    const type = (byte >> 4) & 7;
    let size = byte & 15;
    for (let shift = 4; byte & 0x80; shift += 7) {
      if (at >= raw.length || shift > 35) return null;
      byte = raw[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
    }
    if (size > MAX_OBJECT_BYTES) return null;
    if (type >= 1 && type <= 4) {
      const body = inflateSync(raw.subarray(at), { maxOutputLength: MAX_OBJECT_BYTES });
      return body.length === size ? { type: TYPES[type]!, body } : null;
    }
    let base: GitObject | null;
    if (type === OFS_DELTA) {
      if (at >= raw.length) return null;
      byte = raw[at++]!;
      let back = byte & 0x7f;
      while (byte & 0x80) {
        if (at >= raw.length || back > 2 ** 40) return null;
        byte = raw[at++]!;
        back = (back + 1) * 128 + (byte & 0x7f);
      }
      if (back <= 0 || back > offset) return null;
      base = this.#readAt(pack, offset - back, depth + 1);
    } else if (type === REF_DELTA) {
      if (at + this.hashBytes > raw.length) return null;
      const found = find(pack, raw.subarray(at, at + this.hashBytes), this.hashBytes);
      at += this.hashBytes;
      base = found < 0 ? null : this.#readAt(pack, pack.offsets[found]!, depth + 1);
    } else return null;
    if (!base) return null;
    const delta = inflateSync(raw.subarray(at), { maxOutputLength: MAX_OBJECT_BYTES });
    if (delta.length !== size) return null;
    const body = applyDelta(base.body, delta);
    return body ? { type: base.type, body } : null;
  }
}

/** A pack index, version 2: magic, version, fan-out, names, CRCs, 4-byte offsets, 8-byte offsets. */
function readIndex(idxPath: string, hashBytes: number): Pack | null {
  try {
    const idx = readFileSync(idxPath);
    if (idx.length < 8 + 1024 || idx.readUInt32BE(0) !== IDX_MAGIC || idx.readUInt32BE(4) !== 2) return null;
    const fanout = new Uint32Array(256);
    for (let i = 0; i < 256; i++) fanout[i] = idx.readUInt32BE(8 + i * 4);
    const count = fanout[255]!;
    const namesAt = 8 + 1024;
    const offsetsAt = namesAt + count * hashBytes + count * 4;
    if (offsetsAt + count * 4 + 2 * hashBytes > idx.length) return null;
    const largeAt = offsetsAt + count * 4;
    const offsets: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const small = idx.readUInt32BE(offsetsAt + i * 4);
      if (small & 0x80000000) {
        const at = largeAt + (small & 0x7fffffff) * 8;
        if (at + 8 > idx.length - 2 * hashBytes) return null;
        offsets[i] = Number(idx.readBigUInt64BE(at));
      } else offsets[i] = small;
    }
    return {
      packPath: idxPath.replace(/\.idx$/, '.pack'),
      count,
      hashBytes,
      names: idx.subarray(namesAt, namesAt + count * hashBytes),
      fanout,
      offsets,
    };
  } catch {
    return null;
  }
}

/** The position of `name` in the pack's sorted names, or -1. */
function find(pack: Pack, name: Buffer, hashBytes: number): number {
  const first = name[0]!;
  let lo = first === 0 ? 0 : pack.fanout[first - 1]!;
  let hi = pack.fanout[first]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const order = pack.names.compare(name, 0, hashBytes, mid * hashBytes, (mid + 1) * hashBytes);
    if (order === 0) return mid;
    if (order < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** The bytes of the object starting at `offset`: up to where the next object (or the trailer) begins. */
function readExtent(pack: Pack, offset: number): Buffer | null {
  if (!pack.file) {
    const fd = openSync(pack.packPath, 'r');
    pack.file = { fd, size: fstatSync(fd).size };
  }
  const { fd, size: packSize } = pack.file;
  if (!pack.sortedStarts) pack.sortedStarts = [...pack.offsets].sort((a, b) => a - b);
  const starts = pack.sortedStarts;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 || starts[lo - 1] !== offset) return null;
  // The trailer is the pack's checksum, as long as an object name.
  const end = lo < starts.length ? starts[lo]! : packSize - pack.hashBytes;
  if (offset < 12 || end <= offset || end > packSize || end - offset > MAX_OBJECT_BYTES * 2) return null;
  const bytes = Buffer.allocUnsafe(end - offset);
  if (readSync(fd, bytes, 0, bytes.length, offset) !== bytes.length) return null;
  return bytes;
}

/** git's delta format: base size, result size, then copy (from the base) and insert instructions. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer | null {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      if (at >= delta.length || shift > 35) return -1;
      byte = delta[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const baseSize = varint();
  const resultSize = varint();
  if (baseSize !== base.length || resultSize < 0 || resultSize > MAX_OBJECT_BYTES) return null;
  const out = Buffer.allocUnsafe(resultSize);
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let from = 0;
      let length = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) from += delta[at++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) length += delta[at++]! * 2 ** (8 * i);
      if (at > delta.length) return null;
      if (length === 0) length = 0x10000;
      if (from + length > base.length || written + length > resultSize) return null;
      base.copy(out, written, from, from + length);
      written += length;
    } else if (op > 0) {
      if (at + op > delta.length || written + op > resultSize) return null;
      delta.copy(out, written, at, at + op);
      at += op;
      written += op;
    } else return null;
  }
  return written === resultSize ? out : null;
}
