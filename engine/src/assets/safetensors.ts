import { open } from 'node:fs/promises';
import { StudioError } from '../errors.ts';

export class SafetensorsFormatError extends StudioError {
  override readonly code = 'SAFETENSORS_FORMAT';
  override readonly status = 422;
}

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Record<string, TensorInfo>;
  /** Bytes before the tensor data: 8 + the JSON header's length. */
  dataStart: number;
}

/** The format's own limit on the JSON header (100 MB), so a hostile length cannot make us allocate more. */
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Parses a safetensors header (https://github.com/huggingface/safetensors#format): an 8-byte
 * little-endian length, a JSON object of tensor name -> {dtype, shape, data_offsets} with an
 * optional `__metadata__` string map, then the tensor bytes, contiguous and in offset order.
 */
export function parseHeader(head: Buffer, fileSize?: number): SafetensorsHeader {
  if (head.length < 8) throw new SafetensorsFormatError('not a safetensors file: shorter than its 8-byte header length');
  const length = Number(head.readBigUInt64LE(0));
  if (length < 2 || length > MAX_HEADER) throw new SafetensorsFormatError(`not a safetensors file: header length ${length}`);
  if (head.length < 8 + length) throw new SafetensorsFormatError('truncated safetensors header');
  let json: unknown;
  try {
    json = JSON.parse(head.subarray(8, 8 + length).toString('utf8'));
  } catch {
    throw new SafetensorsFormatError('the safetensors header is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsFormatError('the safetensors header is not an object');
  const metadata: Record<string, string> = {};
  const tensors: Record<string, TensorInfo> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsFormatError(`metadata ${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as TensorInfo;
    const bytes = DTYPE_BYTES[info?.dtype];
    if (!bytes || !Array.isArray(info.shape) || !Array.isArray(info.data_offsets) || info.data_offsets.length !== 2)
      throw new SafetensorsFormatError(`tensor ${name}: bad entry`);
    const [start, end] = info.data_offsets;
    const elements = info.shape.reduce((a, b) => a * b, 1);
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end - start === elements * bytes))
      throw new SafetensorsFormatError(`tensor ${name}: offsets do not match its shape and dtype`);
    tensors[name] = { dtype: info.dtype, shape: info.shape, data_offsets: [start, end] };
  }
  // Contiguous, non-overlapping, covering the data exactly.
  const spans = Object.values(tensors)
    .map((t) => t.data_offsets)
    .sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [start, end] of spans) {
    if (start !== at) throw new SafetensorsFormatError('tensor data is not contiguous');
    at = end;
  }
  if (fileSize !== undefined && fileSize !== 8 + length + at) throw new SafetensorsFormatError(`file is ${fileSize} bytes, header says ${8 + length + at}`);
  return { metadata, tensors, dataStart: 8 + length };
}

/** Reads the header of a .safetensors file without reading its tensors. */
export async function readHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const length = Number(lengthBytes.readBigUInt64LE(0));
    if (length > MAX_HEADER || 8 + length > size) throw new SafetensorsFormatError(`not a safetensors file: header length ${length}`);
    const head = Buffer.alloc(8 + length);
    await handle.read(head, 0, head.length, 0);
    return parseHeader(head, size);
  } finally {
    await handle.close();
  }
}

export interface TensorData {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Buffer;
}

/** The header bytes for tensors in the given order (padded with spaces to 8 bytes, as the reference writer does). */
export function encodeHeader(metadata: Record<string, string>, tensors: Array<[string, { dtype: SafetensorsDtype; shape: number[]; bytes: number }]>): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let at = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.bytes] };
    at += t.bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json]);
}

/** A whole safetensors file in memory (LoRA adapters are small). */
export function encodeSafetensors(metadata: Record<string, string>, tensors: Record<string, TensorData>): Buffer {
  const entries = Object.entries(tensors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of entries) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (t.data.length !== expected) throw new SafetensorsFormatError(`tensor ${name}: ${t.data.length} bytes for shape ${t.shape.join('x')} ${t.dtype}`);
  }
  const head = encodeHeader(
    metadata,
    entries.map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, bytes: t.data.length }]),
  );
  return Buffer.concat([head, ...entries.map(([, t]) => t.data)]);
}

/** Replaces a file's metadata, keeping its tensors byte for byte (so sshs_model_hash stays valid). */
export function withMetadata(file: Buffer, metadata: Record<string, string>): Buffer {
  const header = parseHeader(file, file.length);
  const entries = Object.entries(header.tensors).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const head = encodeHeader(
    metadata,
    entries.map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, bytes: t.data_offsets[1] - t.data_offsets[0] }]),
  );
  return Buffer.concat([head, file.subarray(header.dataStart)]);
}

/** Tensor bytes as a Float32Array (F32 only: what the draft trainer writes). */
export function tensorF32(file: Buffer, header: SafetensorsHeader, name: string): Float32Array {
  const t = header.tensors[name];
  if (!t || t.dtype !== 'F32') throw new SafetensorsFormatError(`no F32 tensor ${name}`);
  const bytes = file.subarray(header.dataStart + t.data_offsets[0], header.dataStart + t.data_offsets[1]);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
