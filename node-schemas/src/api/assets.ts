import { z } from 'zod';
import { AssetManifest, AssetImage, LoraVersion, TrainingParams } from '../assets.ts';

/** A near-duplicate pair of reference images, by perceptual hash distance. */
export const NearDuplicate = z.object({ image: z.string(), of: z.string(), distance: z.number() });

/** An asset as the Asset Manager shows it: the manifest with URLs for its files. */
export const AssetView = AssetManifest.extend({
  cover_url: z.string().nullable(),
  images: z.array(AssetImage.extend({ url: z.string(), thumb_url: z.string() })),
  versions: z.array(LoraVersion.extend({ url: z.string(), sidecar_url: z.string() })),
  near_duplicates: z.array(NearDuplicate),
});
export type AssetView = z.infer<typeof AssetView>;

/** GET /api/v1/assets. */
export const AssetList = z.object({ assets: z.array(AssetView) });
export type AssetList = z.infer<typeof AssetList>;

/** 200/201 of POST /api/v1/assets/:id/images: what was added, already there, and refused (with a catalogue code). */
export const UploadAnswer = z.object({
  asset: AssetView,
  added: z.array(z.string()),
  existing: z.array(z.string()),
  refused: z.array(z.object({ file: z.string(), code: z.string(), error: z.string() })),
  near_duplicates: z.array(NearDuplicate),
});
export type UploadAnswer = z.infer<typeof UploadAnswer>;

/** A training preset: figures for a GPU size, and the trainer's own flags. */
export const PresetInfo = z.object({
  id: z.string(),
  label: z.string(),
  vramGB: z.number(),
  params: TrainingParams,
  optimizer: z.string(),
  args: z.array(z.string()),
});
export type PresetInfo = z.infer<typeof PresetInfo>;

export const BaseInfo = z.object({ id: z.string(), label: z.string(), pipeline: z.string(), presets: z.array(PresetInfo) });
export type BaseInfo = z.infer<typeof BaseInfo>;

/** GET /api/v1/assets/presets. */
export const PresetList = z.object({ bases: z.array(BaseInfo) });
export type PresetList = z.infer<typeof PresetList>;
