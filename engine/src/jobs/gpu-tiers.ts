/**
 * VRAM tiers: a GPU job goes to the queue of the smallest tier that holds its pipeline at its
 * quality; a GPU reads only the tiers it can hold, biggest first. Routing is BullMQ queues, one
 * per tier and pipeline (`gpu-24@t2i-flux-dev-fp16`, `gpu-8-shared@t2i-sd1.5` for pipelines that
 * may share a GPU), so a GPU reads only the queues of the pipelines its worker can start.
 */
export const TIER_LADDER = [8, 12, 16, 24, 32, 40, 48, 80, 96, 141] as const;

export function tierFor(vramGB: number): number {
  return TIER_LADDER.find((t) => t >= vramGB) ?? Math.ceil(vramGB);
}

export function gpuQueueName(tier: number, shareable: boolean, pipelineId: string): string {
  return `gpu-${tier}${shareable ? '-shared' : ''}@${pipelineId}`;
}

export interface GpuQueue {
  name: string;
  tier: number;
  shareable: boolean;
  pipeline: string;
}

const NAME = /^gpu-(\d+)(-shared)?@([a-z0-9][a-z0-9._-]*)$/;

/** The tier, sharing and pipeline a GPU queue name stands for, or null for any other queue. */
export function parseGpuQueue(name: string): GpuQueue | null {
  const match = NAME.exec(name);
  return match ? { name, tier: Number(match[1]), shareable: Boolean(match[2]), pipeline: match[3]! } : null;
}

/** Redis key pattern of every GPU queue's BullMQ meta hash (written when a Queue is made), for discovery. */
export const GPU_QUEUE_META_PATTERN = 'bull:gpu-*@*:meta';

export function queueNameOfMetaKey(key: string): string | null {
  return key.startsWith('bull:') && key.endsWith(':meta') ? key.slice('bull:'.length, -':meta'.length) : null;
}
