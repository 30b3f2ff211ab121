import { z } from 'zod';
import { readableNameProblem } from './safe-text.ts';
import { ASSET_FORMAT } from './migrate/formats.ts';

/** Generative Assets of the workspace Library (docs/assets.md#generative-assets). */
export const AssetKind = z.enum(['character', 'style', 'object', 'location']);
export type AssetKind = z.infer<typeof AssetKind>;

export const AssetId = z.string().regex(/^ast-[a-z0-9]{10}$/, 'not an asset id');

/**
 * A trigger word is one prompt token: letters and digits (and _), starting with a letter, that a
 * tokenizer keeps whole and no prompt uses by accident (2-32 characters).
 */
export const TriggerWord = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,31}$/i, 'the trigger word must be one token: a letter, then letters, digits or _ (2-32 characters)');

const AssetName = z
  .string()
  .min(1)
  .max(80)
  .superRefine((text, ctx) => {
    const problem = readableNameProblem(text, 'name');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const CreateAssetBody = z.object({ name: AssetName, kind: AssetKind, trigger_word: TriggerWord, description: z.string().max(2000).optional() }).strict();

export const PatchAssetBody = z
  .object({
    name: AssetName.optional(),
    trigger_word: TriggerWord.optional(),
    description: z.string().max(2000).optional(),
    cover: z.string().max(80).nullable().optional(),
  })
  .strict();

export const CaptionsBody = z
  .object({
    captions: z.record(z.string().max(80), z.object({ caption: z.string().max(1000).optional(), excluded: z.boolean().optional() }).strict()),
  })
  .strict();

export const TrainingBase = z.enum(['draft', 'sd15', 'sdxl', 'flux1-dev', 'wan21']);
export type TrainingBase = z.infer<typeof TrainingBase>;
export const TrainingPresetId = z.enum(['cpu', '12gb', '16gb', '24gb']);

export const TrainingParams = z
  .object({
    rank: z.int().min(1).max(256),
    alpha: z.number().min(0.01).max(512),
    lr: z.number().positive().max(1),
    steps: z.int().min(1).max(100_000),
    resolution: z.int().min(32).max(2048),
    batch: z.int().min(1).max(64),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  })
  .strict();
export type TrainingParams = z.infer<typeof TrainingParams>;

export const TrainBody = z
  .object({
    base: TrainingBase,
    preset: TrainingPresetId,
    params: TrainingParams.partial().optional(),
    idempotency_key: z.string().min(1).max(128).optional(),
    /** A cancelled or failed training task of this asset to continue from its last checkpoint. */
    resume_from: z.string().max(100).optional(),
  })
  .strict();

export const AssetImage = z.object({
  id: z.string(),
  file: z.string(),
  sha256: z.string(),
  phash: z.string(),
  width: z.number(),
  height: z.number(),
  caption: z.string(),
  excluded: z.boolean(),
  original_name: z.string(),
});
export type AssetImage = z.infer<typeof AssetImage>;

export const LoraVersion = z.object({
  version: z.number(),
  name: z.string(),
  path: z.string(),
  sidecar: z.string(),
  sha256: z.string(),
  base: TrainingBase,
  task_id: z.string(),
  created_at: z.string(),
});
export type LoraVersion = z.infer<typeof LoraVersion>;

/** Library/Generative_Assets/<id>/asset.json; older files are migrated on load by migrateAsset (docs/formats.md). */
export const AssetManifest = z.object({
  format: z.literal(ASSET_FORMAT),
  id: AssetId,
  name: z.string(),
  kind: AssetKind,
  trigger_word: z.string(),
  description: z.string(),
  cover: z.string().nullable(),
  images: z.array(AssetImage),
  versions: z.array(LoraVersion),
  /** The next LoRA version number: versions are never reused, even after a delete. */
  next_version: z.number(),
  created_at: z.string(),
});
export type AssetManifest = z.infer<typeof AssetManifest>;

/** Messages on /ws/library: training progress of every asset, for the Asset Manager. */
export const LibraryTrainingEvent = z
  .object({
    type: z.literal('library:training'),
    task_id: z.string(),
    asset_id: z.string(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    phase: z.string().optional(),
    step: z.string().optional(),
    train_step: z.number().optional(),
    total_steps: z.number().optional(),
    loss: z.number().optional(),
    eta_s: z.number().optional(),
    sample_url: z.string().optional(),
    error: z.string().optional(),
    version: LoraVersion.optional(),
  })
  .strict();
export type LibraryTrainingEvent = z.infer<typeof LibraryTrainingEvent>;
