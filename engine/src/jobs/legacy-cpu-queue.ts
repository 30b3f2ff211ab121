import type { Queue } from 'bullmq';
import { cpuQueueName } from './cpu-queues.ts';
import type { GenerateJobData } from './job-types.ts';

/**
 * CPU jobs were once all queued in the one `generate` queue, which no worker reads any more:
 * those still waiting there move to their pipeline's queue under the same task id and options,
 * so an upgrade loses none. Jobs running there finish where they are.
 */
export async function moveLegacyCpuJobs({
  legacy,
  target,
  recordQueue,
}: {
  legacy: Queue<GenerateJobData>;
  target: (name: string) => Queue<GenerateJobData>;
  /** Notes the queue a task is now in (the engine's task -> queue map). */
  recordQueue: (taskId: string, name: string) => Promise<void>;
}): Promise<number> {
  let moved = 0;
  for (const job of await legacy.getJobs(['waiting', 'prioritized', 'delayed'])) {
    if (!job?.id || !job.data?.pipelineId) continue;
    const name = cpuQueueName(job.data.pipelineId);
    const { attempts, backoff, removeOnComplete, removeOnFail } = job.opts;
    // Added before it is removed: a crash in between leaves it in both, never in neither.
    await target(name).add(job.name, job.data, { jobId: job.id, attempts, backoff, removeOnComplete, removeOnFail });
    await recordQueue(job.id, name);
    await job.remove().catch(() => undefined);
    moved++;
  }
  return moved;
}
