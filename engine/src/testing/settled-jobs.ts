import { Queue, type Job, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { TAKES_QUEUE } from '../jobs/job-types.ts';
import { generationQueueNames } from '../jobs/queue-discovery.ts';

const PENDING = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/** The takes queue and every generation queue in Redis (CPU per pipeline, GPU per tier and pipeline). */
async function jobQueueNames(connection: RedisOptions): Promise<string[]> {
  const redis = new Redis(connection as IORedisOptions);
  try {
    return [...(await generationQueueNames(redis)), TAKES_QUEUE];
  } finally {
    redis.disconnect();
  }
}

/**
 * Every job of these queues (by default the takes queue and every generation queue), once none
 * of them is waiting, running, delayed or due a retry. A
 * duplicate job, or a job run twice, is in these queues until it has run and its take is
 * committed (a take job ends with its commit), so a test checks "nothing extra" after this, not
 * after a sleep that a late duplicate could outlast.
 */
export async function settledJobs(connection: RedisOptions, names?: string[], timeoutMs = 60_000): Promise<Job[]> {
  const queues = (names ?? (await jobQueueNames(connection))).map((name) => new Queue(name, { connection }));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts(...PENDING)));
      const pending = counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
      if (pending === 0) break;
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return (await Promise.all(queues.map((q) => q.getJobs(['completed', 'failed'])))).flat();
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** The project a generate or take job belongs to. */
export function projectOfJob(job: Job): string | undefined {
  const data = job.data as { projectId?: string; request?: { projectId?: string } };
  return data.projectId ?? data.request?.projectId;
}
