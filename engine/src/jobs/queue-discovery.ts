import type { Redis } from 'ioredis';
import { CPU_QUEUE_META_PATTERN, parseCpuQueue } from './cpu-queues.ts';
import { GPU_QUEUE_META_PATTERN, parseGpuQueue, queueNameOfMetaKey } from './gpu-tiers.ts';
import { GENERATE_QUEUE } from './job-types.ts';

/** The queues whose BullMQ meta hash matches a pattern (queues appear when their first job is dispatched). */
export async function queueNamesMatching(redis: Redis, pattern: string): Promise<string[]> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = queueNameOfMetaKey(key);
      if (name) names.push(name);
    }
  } while (cursor !== '0');
  return names;
}

/** Whether a queue holds generation jobs: a CPU queue, a GPU queue, or the single queue CPU jobs shared before. */
export function isGenerationQueue(name: string): boolean {
  return name === GENERATE_QUEUE || parseCpuQueue(name) !== null || parseGpuQueue(name) !== null;
}

/** Every CPU and GPU generation queue in Redis, sorted. */
export async function generationQueueNames(redis: Redis): Promise<string[]> {
  const found = [...(await queueNamesMatching(redis, CPU_QUEUE_META_PATTERN)), ...(await queueNamesMatching(redis, GPU_QUEUE_META_PATTERN))];
  return [...new Set(found.filter(isGenerationQueue))].sort();
}

/** A queue listing read again at most once a second (a slot loop asks on every turn). */
export class QueueListing {
  #names: string[] = [];
  #listedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly pattern: string,
    private readonly everyMs = 1000,
  ) {}

  /** The next names() lists again (a queue is known to have appeared). */
  invalidate(): void {
    this.#listedAt = 0;
  }

  async names(): Promise<string[]> {
    if (Date.now() - this.#listedAt < this.everyMs) return this.#names;
    this.#listedAt = Date.now();
    this.#names = await queueNamesMatching(this.redis, this.pattern).catch(() => this.#names);
    return this.#names;
  }
}
