import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The input-signature cache (docs/governance.md#reuse), as ComfyUI caches a node whose inputs did not
 * change: a post-processing job (super resolution, restoration, text-to-speech) whose pipeline,
 * parameters, quality, seed, text and input file contents are those of an earlier take makes the
 * same result, so that take is reused instead of running again.
 */
export const REUSABLE_TASK_TYPES: ReadonlySet<string> = new Set(['super-resolution', 'video-restoration', 'text-to-speech']);
export const REUSABLE_NODE_TYPES: ReadonlySet<string> = new Set(['superResolution', 'videoRestoration', 'audio']);

/** Bumped when what the signature covers changes: older signatures then never match. */
export const SIGNATURE_VERSION = 1;

/** What a result is made from, as the job request (or a take's provenance) says it. */
export interface SignatureInput {
  pipeline: string;
  taskType: string;
  quality: string;
  seed: number;
  /** The prompt, or the text a TTS node speaks. */
  prompt: string;
  negativePrompt: string;
  /** Every parameter, the TTS voice among them. */
  params: Record<string, unknown>;
  size: { width: number; height: number; fps: number; duration: number };
  /** Input socket -> project-relative path. */
  inputs: Record<string, string>;
}

/** What a take's sidecar keeps of its signature: the hash to match and what it covers, readable. */
export interface StoredSignature {
  version: number;
  hash: string;
  /** Input socket -> sha256 of the file's content. */
  input_hashes: Record<string, string>;
}

/** JSON with keys sorted at every level, so equal values always hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Content hashes by absolute path, size and mtime: takes are immutable, so one read each per engine. */
const fileHashes = new Map<string, string>();

export async function fileSha256(path: string): Promise<string> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  const known = fileHashes.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (fileHashes.size > 10_000) fileHashes.clear();
  fileHashes.set(key, digest);
  return digest;
}

/** The signature of a request: the hash of everything that shapes its result, input files by content. */
export async function inputSignature(projectDir: string, input: SignatureInput): Promise<StoredSignature> {
  const input_hashes: Record<string, string> = {};
  for (const [socket, rel] of Object.entries(input.inputs).sort(([a], [b]) => a.localeCompare(b)))
    input_hashes[socket] = await fileSha256(join(projectDir, rel));
  const hash = createHash('sha256')
    .update(
      canonical({
        v: SIGNATURE_VERSION,
        pipeline: input.pipeline,
        task_type: input.taskType,
        quality: input.quality,
        seed: input.seed,
        prompt: input.prompt,
        negative_prompt: input.negativePrompt,
        params: input.params,
        size: input.size,
        inputs: input_hashes,
      }),
    )
    .digest('hex');
  return { version: SIGNATURE_VERSION, hash, input_hashes };
}

/**
 * The seed of a reusable node that pins none: derived from its pipeline, text and parameters (not
 * from its input paths: a new take of the same content must ask for the same seed), so the same
 * request can match an earlier take; "run again" draws a fresh one.
 */
export function derivedSeed(parts: { pipelineId: string; prompt: string; params: Record<string, unknown> }): number {
  return createHash('sha256').update(canonical(parts)).digest().readUInt32BE(0) & 0x7fffffff;
}

/** The signature input of a take's provenance sidecar (the fields commit-takes writes), or null when it lacks one. */
export function signatureInputOfProvenance(provenance: Record<string, unknown>): SignatureInput | null {
  const p = provenance as {
    pipeline?: unknown;
    task_type?: unknown;
    quality?: unknown;
    seed?: unknown;
    prompt?: unknown;
    negative_prompt?: unknown;
    params?: unknown;
    size?: { width?: unknown; height?: unknown; fps?: unknown; duration?: unknown };
    inputs?: unknown;
  };
  if (typeof p.pipeline !== 'string' || typeof p.task_type !== 'string' || typeof p.quality !== 'string' || typeof p.seed !== 'number') return null;
  if (!p.size || typeof p.inputs !== 'object' || p.inputs === null) return null;
  return {
    pipeline: p.pipeline,
    taskType: p.task_type,
    quality: p.quality,
    seed: p.seed,
    prompt: String(p.prompt ?? ''),
    negativePrompt: String(p.negative_prompt ?? ''),
    params: (p.params ?? {}) as Record<string, unknown>,
    size: { width: Number(p.size.width), height: Number(p.size.height), fps: Number(p.size.fps), duration: Number(p.size.duration) },
    inputs: p.inputs as Record<string, string>,
  };
}
