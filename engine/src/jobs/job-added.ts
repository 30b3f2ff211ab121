import type { RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';

/** Redis channel: the name of a queue the engine has just added a generation job to. */
export const JOB_ADDED_CHANNEL = 'studio:job-added';

/**
 * Wakes a slot loop that fetches jobs by hand when the engine adds one, so an idle worker starts
 * it at once instead of at its next poll (polling still finds retries and anything missed).
 */
export async function onJobAdded(redis: RedisOptions, wake: (queue: string) => void): Promise<() => void> {
  const subscriber = new Redis(redis as IORedisOptions);
  subscriber.on('error', () => undefined);
  await subscriber.subscribe(JOB_ADDED_CHANNEL);
  subscriber.on('message', (_channel, queue: string) => wake(queue));
  return () => subscriber.disconnect();
}
