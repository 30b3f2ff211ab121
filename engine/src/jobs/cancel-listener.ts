import type { RedisOptions, Worker } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { CANCEL_CHANNEL } from './job-types.ts';

/**
 * Only the worker holding a job can abort it, so cancels are published on a Redis channel and
 * every worker aborts the job if it is one of its own (BullMQ's cancelJob fires its AbortSignal).
 */
export async function listenForCancels(redis: RedisOptions, workers: Worker[], also?: (jobId: string) => void): Promise<() => void> {
  const subscriber = new Redis(redis as IORedisOptions);
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel, jobId: string) => {
    for (const worker of workers) worker.cancelJob(jobId, 'cancelled by the user');
    also?.(jobId);
  });
  return () => subscriber.disconnect();
}
