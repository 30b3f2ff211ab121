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

/**
 * An idle slot loop's wait between looks at its queues, cut short when a job is added to a queue
 * `matches` accepts. `look()` marks the start of a look: a job added from then on means the next
 * wait does not sleep, since the look may have missed it.
 */
export async function jobAddedWaker(redis: RedisOptions, matches: (queue: string) => boolean, onAdded: () => void = () => undefined) {
  let woken = false;
  let wakeUp: (() => void) | null = null;
  const stop = await onJobAdded(redis, (queue) => {
    if (!matches(queue)) return;
    onAdded();
    woken = true;
    wakeUp?.();
  });
  return {
    look(): void {
      woken = false;
    },
    wait(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        if (woken) return resolve();
        const timer = setTimeout(() => resolve(), ms);
        wakeUp = () => (clearTimeout(timer), resolve());
      }).finally(() => (wakeUp = null));
    },
    /** Ends a wait now and stops listening. */
    close(): void {
      wakeUp?.();
      stop();
    },
  };
}
