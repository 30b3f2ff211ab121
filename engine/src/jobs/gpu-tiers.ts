/**
 * VRAM tiers: a GPU job goes to the queue of the smallest tier that holds its pipeline at its
 * quality; a GPU reads only the tiers it can hold, biggest first. Routing is BullMQ queues, one
 * per tier (and a -shared variant for pipelines that may share a GPU).
 */
export const TIER_LADDER = [8, 12, 16, 24, 32, 40, 48, 80, 96, 141] as const;

export function tierFor(vramGB: number): number {
  return TIER_LADDER.find((t) => t >= vramGB) ?? Math.ceil(vramGB);
}

export function gpuQueueName(tier: number, shareable: boolean): string {
  return `gpu-${tier}${shareable ? '-shared' : ''}`;
}

/** Every GPU queue, biggest first. */
export function gpuQueues(): Array<{ name: string; tier: number; shareable: boolean }> {
  return [...TIER_LADDER]
    .reverse()
    .flatMap((tier) => [
      { name: gpuQueueName(tier, false), tier, shareable: false },
      { name: gpuQueueName(tier, true), tier, shareable: true },
    ]);
}
