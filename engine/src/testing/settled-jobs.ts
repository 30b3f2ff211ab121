import { Queue, type Job, type RedisOptions } from 'bullmq';
import { GENERATE_QUEUE, TAKES_QUEUE } from '../jobs/job-types.ts';

const PENDING = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * Every job of these queues, once none of them is waiting, running, delayed or due a retry. A
 * duplicate job, or a job run twice, is in these queues until it has run and its take is
 * committed (a take job ends with its commit), so a test checks "nothing extra" after this, not
 * after a sleep that a late duplicate could outlast.
 */
export async function settledJobs(connection: RedisOptions, names: string[] = [GENERATE_QUEUE, TAKES_QUEUE], timeoutMs = 60_000): Promise<Job[]> {
  const queues = names.map((name) => new Queue(name, { connection }));
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
