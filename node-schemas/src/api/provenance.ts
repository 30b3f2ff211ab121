import { z } from 'zod';
import { Quality } from '../project.ts';

export { takeLabel, takeNumbers } from '../take-label.ts';

/*
 * Take provenance (docs/governance.md#provenance): GET /api/v1/projects/:id/takes/<path>/provenance
 * answers what a take's sidecar says it was made from, with each input traced back to the take,
 * asset version or imported file it came from.
 */

const Text = z.string().max(100_000);
const Path = z.string().min(1).max(1024);

/**
 * A take's sidecar as the take committer writes it (docs/project-layout.md#takes). Every field but
 * the take is optional: older sidecars and hand-made ones hold less. Unknown fields are kept.
 */
export const TakeSidecar = z
  .object({
    format: z.int().optional(),
    take: Path.optional(),
    version: z.int().optional(),
    number: z.int().optional(),
    task_id: z.string().max(200).optional(),
    node_id: z.string().max(200).optional(),
    pipeline: z.string().max(200).optional(),
    task_type: z.string().max(100).optional(),
    image_digest: z.string().max(300).nullable().optional(),
    backend: z.string().max(100).optional(),
    quality: Quality.optional(),
    fallback_from: z.object({ quality: Quality, pipelineId: z.string(), reason: z.string() }).optional(),
    prompt: Text.optional(),
    negative_prompt: Text.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    seed: z.number().optional(),
    size: z.object({ width: z.number(), height: z.number(), fps: z.number(), duration: z.number() }).partial().optional(),
    inputs: z.record(z.string(), Path).optional(),
    /** The sha256 of each input's content when the take was made (DESIGN.md section 8); older sidecars have none. */
    input_sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
    worker: z.string().max(300).optional(),
    timings: z.object({ requested_at: z.string(), started_at: z.string(), finished_at: z.string(), run_ms: z.number() }).partial().optional(),
  })
  .loose();
export type TakeSidecar = z.infer<typeof TakeSidecar>;

/** Where an input file came from: a take (it has provenance of its own), a LoRA version, an asset image, imported media. */
export const LineageKind = z.enum(['take', 'lora', 'asset_image', 'media', 'file']);
export type LineageKind = z.infer<typeof LineageKind>;

/** One file of a take's lineage. */
export const LineageNode = z.object({
  path: Path,
  kind: LineageKind,
  /** What a person calls it: "SHOT_010 · v01 · take 03", "Mara v02 (LoRA)", "harbour.mp4". */
  label: z.string(),
  /** sha256 of the file's content (the LFS oid), or null when the file is not in this copy of the project. */
  sha256: z.string().nullable(),
  exists: z.boolean(),
  /** For a take: what made it (its full provenance is one request away). */
  pipeline: z.string().nullable(),
  seed: z.number().nullable(),
  /** For a LoRA version or an asset image: the asset. */
  asset: z.object({ id: z.string(), name: z.string().nullable(), version: z.string().nullable() }).nullable(),
  /** Its own inputs, by socket, as paths of other nodes of the lineage. */
  inputs: z.array(z.object({ socket: z.string(), path: Path })),
  /** Its inputs were not followed: the lineage stops at its depth or node limit here. */
  truncated: z.boolean(),
});
export type LineageNode = z.infer<typeof LineageNode>;

export const TakeInput = z.object({ socket: z.string(), path: Path, sha256: z.string().nullable(), kind: LineageKind });
export type TakeInput = z.infer<typeof TakeInput>;

/** What the ledger charged for the take's task, or null when it holds no entry for it. */
export const TakeCost = z.object({ credits: z.number(), entries: z.int().min(1) });
export type TakeCost = z.infer<typeof TakeCost>;

export const TakeProvenance = z.object({
  take: Path,
  sidecar: Path,
  label: z.string(),
  version: z.int().nullable(),
  number: z.int().nullable(),
  task_id: z.string().nullable(),
  node_id: z.string().nullable(),
  pipeline: z.string().nullable(),
  task_type: z.string().nullable(),
  image_digest: z.string().nullable(),
  backend: z.string().nullable(),
  quality: Quality.nullable(),
  fallback_from: z.object({ quality: Quality, pipelineId: z.string(), reason: z.string() }).nullable(),
  prompt: z.string().nullable(),
  negative_prompt: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().nullable(),
  size: z.object({ width: z.number().optional(), height: z.number().optional(), fps: z.number().optional(), duration: z.number().optional() }).nullable(),
  inputs: z.array(TakeInput),
  worker: z.string().nullable(),
  timings: z
    .object({ requested_at: z.string().optional(), started_at: z.string().optional(), finished_at: z.string().optional(), run_ms: z.number().optional() })
    .nullable(),
  cost: TakeCost.nullable(),
  /** The take and what it was made from, a few levels deep: `nodes[0]` is the take itself. */
  lineage: z.object({ nodes: z.array(LineageNode), max_depth: z.int(), truncated: z.boolean() }),
});
export type TakeProvenance = z.infer<typeof TakeProvenance>;
