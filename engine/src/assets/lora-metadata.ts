import { createHash } from 'node:crypto';
import { parseHeader, withMetadata } from './safetensors.ts';

export interface LoraMetadataInput {
  outputName: string;
  title: string;
  triggerWord: string;
  description: string;
  ssBaseModelVersion: string;
  architecture: string;
  networkModule: string;
  rank: number;
  alpha: number;
  resolution: number;
  numTrainImages: number;
  steps: number;
  startedAt: Date;
  finishedAt: Date;
  /** A data URI of a small cover image (modelspec.thumbnail). */
  thumbnail?: string;
}

/** sha256 of the tensor bytes after the header: A1111's sshs_model_hash, unchanged by metadata edits. */
export function tensorDataHash(file: Buffer): string {
  const { dataStart } = parseHeader(file, file.length);
  return createHash('sha256').update(file.subarray(dataStart)).digest('hex');
}

/**
 * The header metadata ComfyUI, A1111 and Civitai read: kohya's `ss_*` (with the trigger word in
 * ss_tag_frequency, the way ai-toolkit writes it) and Stability's `modelspec.*`.
 */
export function loraMetadata(file: Buffer, m: LoraMetadataInput): Record<string, string> {
  const hash = tensorDataHash(file);
  return {
    ss_output_name: m.outputName,
    ss_base_model_version: m.ssBaseModelVersion,
    ss_network_module: m.networkModule,
    ss_network_dim: String(m.rank),
    ss_network_alpha: String(m.alpha),
    ss_resolution: `(${m.resolution}, ${m.resolution})`,
    ss_num_train_images: String(m.numTrainImages),
    ss_tag_frequency: JSON.stringify({ [`1_${m.triggerWord}`]: { [m.triggerWord]: m.numTrainImages } }),
    ss_training_started_at: String(Math.floor(m.startedAt.getTime() / 1000)),
    ss_training_finished_at: String(Math.floor(m.finishedAt.getTime() / 1000)),
    ss_steps: String(m.steps),
    sshs_model_hash: hash,
    'modelspec.sai_model_spec': '1.0.0',
    'modelspec.architecture': m.architecture,
    'modelspec.implementation': 'https://github.com/kohya-ss/sd-scripts',
    'modelspec.title': m.title,
    'modelspec.description': m.description,
    'modelspec.trigger_phrase': m.triggerWord,
    'modelspec.resolution': `${m.resolution}x${m.resolution}`,
    'modelspec.date': m.finishedAt.toISOString(),
    'modelspec.hash_sha256': `0x${hash}`,
    ...(m.thumbnail ? { 'modelspec.thumbnail': m.thumbnail } : {}),
  };
}

/** The trainer's file with the full header stamped on, tensors untouched. */
export function stampLora(file: Buffer, m: LoraMetadataInput): Buffer {
  return withMetadata(file, loraMetadata(file, m));
}
