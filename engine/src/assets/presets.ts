import type { TrainingBase, TrainingParams } from '@studio/node-schemas';

/**
 * Training presets as data (research/lora-training.md): FLUX.1-dev follows fluxgym and kohya
 * sd-scripts' published VRAM tiers; SD 1.5 / SDXL follow sd-scripts' train_network defaults;
 * Wan 2.1 follows musubi-tuner. `args` are the trainer's own flags, passed through unchanged.
 * The GPU ones are unverified here, like the rest of the GPU catalogue.
 */
export interface TrainingPreset {
  id: 'cpu' | '12gb' | '16gb' | '24gb';
  label: string;
  vramGB: number;
  params: TrainingParams;
  optimizer: string;
  args: string[];
}

export interface TrainingBaseInfo {
  id: TrainingBase;
  label: string;
  pipeline: string;
  /** kohya's ss_base_model_version and Stability's modelspec.architecture. */
  ssBaseModelVersion: string;
  architecture: string;
  presets: TrainingPreset[];
}

/** fluxgym's Adafactor for its 12 and 16 GB presets: fixed lr, no relative step, no grad clipping. */
const FLUX_ADAFACTOR = [
  '--optimizer_type',
  'adafactor',
  '--optimizer_args',
  'relative_step=False',
  'scale_parameter=False',
  'warmup_init=False',
  '--lr_scheduler',
  'constant_with_warmup',
  '--max_grad_norm',
  '0.0',
];

const FLUX_SHARED = [
  '--fp8_base',
  '--gradient_checkpointing',
  '--cache_text_encoder_outputs',
  '--timestep_sampling',
  'shift',
  '--discrete_flow_shift',
  '3.1582',
  '--guidance_scale',
  '1.0',
  '--loss_type',
  'l2',
  '--network_module',
  'networks.lora_flux',
];

/** musubi-tuner's Wan 2.1 example (docs/wan.md): bf16, shift sampling at 3.0, two loader workers. */
const WAN_SHARED = [
  '--network_module',
  'networks.lora_wan',
  '--mixed_precision',
  'bf16',
  '--timestep_sampling',
  'shift',
  '--discrete_flow_shift',
  '3.0',
  '--max_data_loader_n_workers',
  '2',
  '--persistent_data_loader_workers',
];

export const TRAINING_BASES: TrainingBaseInfo[] = [
  {
    id: 'draft',
    label: 'Draft (CPU, built-in DraftNet)',
    pipeline: 'draft-lora-train',
    ssBaseModelVersion: 'studio_draftnet_v1',
    architecture: 'studio-draftnet-v1/lora',
    presets: [
      {
        id: 'cpu',
        label: 'CPU',
        vramGB: 0,
        params: { rank: 4, alpha: 4, lr: 0.01, steps: 60, resolution: 32, batch: 4, seed: 42 },
        optimizer: 'Adam',
        args: [],
      },
    ],
  },
  {
    id: 'sd15',
    label: 'Stable Diffusion 1.5',
    pipeline: 'train-lora-sd15',
    ssBaseModelVersion: 'sd_v1',
    architecture: 'stable-diffusion-v1/lora',
    presets: [
      {
        id: '12gb',
        label: '12 GB',
        vramGB: 12,
        params: { rank: 32, alpha: 16, lr: 1e-4, steps: 1500, resolution: 512, batch: 2, seed: 42 },
        optimizer: 'AdamW8bit',
        args: ['--mixed_precision', 'fp16', '--network_module', 'networks.lora', '--gradient_checkpointing'],
      },
      {
        id: '16gb',
        label: '16 GB',
        vramGB: 16,
        params: { rank: 32, alpha: 16, lr: 1e-4, steps: 1500, resolution: 512, batch: 4, seed: 42 },
        optimizer: 'AdamW8bit',
        args: ['--mixed_precision', 'fp16', '--network_module', 'networks.lora'],
      },
      {
        id: '24gb',
        label: '24 GB',
        vramGB: 24,
        params: { rank: 64, alpha: 32, lr: 1e-4, steps: 1500, resolution: 768, batch: 4, seed: 42 },
        optimizer: 'AdamW',
        args: ['--mixed_precision', 'bf16', '--network_module', 'networks.lora'],
      },
    ],
  },
  {
    id: 'sdxl',
    label: 'SDXL 1.0',
    pipeline: 'train-lora-sdxl',
    ssBaseModelVersion: 'sdxl_base_v1-0',
    architecture: 'stable-diffusion-xl-v1-base/lora',
    presets: [
      {
        id: '12gb',
        label: '12 GB',
        vramGB: 12,
        params: { rank: 16, alpha: 8, lr: 1e-4, steps: 2000, resolution: 1024, batch: 1, seed: 42 },
        optimizer: 'Adafactor',
        args: [
          '--mixed_precision',
          'bf16',
          '--network_module',
          'networks.lora',
          '--gradient_checkpointing',
          '--cache_latents',
          '--cache_text_encoder_outputs',
          '--network_train_unet_only',
        ],
      },
      {
        id: '16gb',
        label: '16 GB',
        vramGB: 16,
        params: { rank: 32, alpha: 16, lr: 1e-4, steps: 2000, resolution: 1024, batch: 1, seed: 42 },
        optimizer: 'AdamW8bit',
        args: ['--mixed_precision', 'bf16', '--network_module', 'networks.lora', '--gradient_checkpointing', '--cache_latents'],
      },
      {
        id: '24gb',
        label: '24 GB',
        vramGB: 24,
        params: { rank: 32, alpha: 16, lr: 1e-4, steps: 2000, resolution: 1024, batch: 2, seed: 42 },
        optimizer: 'AdamW8bit',
        args: ['--mixed_precision', 'bf16', '--network_module', 'networks.lora', '--cache_latents'],
      },
    ],
  },
  {
    id: 'flux1-dev',
    label: 'FLUX.1-dev',
    pipeline: 'train-lora-flux',
    ssBaseModelVersion: 'flux1',
    architecture: 'flux-1-dev/lora',
    presets: [
      // fluxgym 12 GB: Adafactor, single blocks only; sd-scripts replaced split_mode with blocks_to_swap 16.
      {
        id: '12gb',
        label: '12 GB',
        vramGB: 12,
        params: { rank: 4, alpha: 4, lr: 8e-4, steps: 1600, resolution: 512, batch: 1, seed: 42 },
        optimizer: 'adafactor',
        args: [...FLUX_SHARED, ...FLUX_ADAFACTOR, '--network_args', 'train_blocks=single', '--blocks_to_swap', '16'],
      },
      // fluxgym 16 GB: as 12 GB without single-block training.
      {
        id: '16gb',
        label: '16 GB',
        vramGB: 16,
        params: { rank: 4, alpha: 4, lr: 8e-4, steps: 1600, resolution: 512, batch: 1, seed: 42 },
        optimizer: 'adafactor',
        args: [...FLUX_SHARED, ...FLUX_ADAFACTOR],
      },
      // ai-toolkit train_lora_flux_24gb: linear 16 / alpha 16, lr 1e-4, 2000 steps, adamw8bit.
      {
        id: '24gb',
        label: '24 GB',
        vramGB: 24,
        params: { rank: 16, alpha: 16, lr: 1e-4, steps: 2000, resolution: 1024, batch: 1, seed: 42 },
        optimizer: 'AdamW8bit',
        args: [...FLUX_SHARED, '--optimizer_type', 'AdamW8bit'],
      },
    ],
  },
  {
    id: 'wan21',
    label: 'Wan 2.1 (video, musubi-tuner)',
    pipeline: 'train-lora-wan21',
    ssBaseModelVersion: 'wan21',
    architecture: 'wan-2.1-t2v-14b/lora',
    presets: [
      {
        id: '12gb',
        label: '12 GB',
        vramGB: 12,
        params: { rank: 16, alpha: 16, lr: 2e-4, steps: 1600, resolution: 512, batch: 1, seed: 42 },
        optimizer: 'adamw8bit',
        args: [...WAN_SHARED, '--fp8_base', '--fp8_t5', '--gradient_checkpointing', '--blocks_to_swap', '36', '--sdpa'],
      },
      {
        id: '16gb',
        label: '16 GB',
        vramGB: 16,
        params: { rank: 32, alpha: 32, lr: 2e-4, steps: 1600, resolution: 512, batch: 1, seed: 42 },
        optimizer: 'adamw8bit',
        args: [...WAN_SHARED, '--fp8_base', '--fp8_t5', '--gradient_checkpointing', '--blocks_to_swap', '20', '--sdpa'],
      },
      {
        id: '24gb',
        label: '24 GB',
        vramGB: 24,
        params: { rank: 32, alpha: 32, lr: 2e-4, steps: 1600, resolution: 768, batch: 1, seed: 42 },
        optimizer: 'adamw8bit',
        args: [...WAN_SHARED, '--fp8_base', '--gradient_checkpointing', '--sdpa'],
      },
    ],
  },
];

export function trainingBase(id: TrainingBase): TrainingBaseInfo {
  return TRAINING_BASES.find((b) => b.id === id)!;
}
