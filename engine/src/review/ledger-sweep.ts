import type { TaskListener, TaskService } from '../jobs/task-service.ts';

/** How many ended jobs of each queue the sweep looks at (BullMQ keeps them a week). */
const SWEEP_LIMIT = 5000;

/**
 * Charges the jobs that ended while no engine was listening (an engine killed between a job's end
 * and its charge, or down while a worker finished): every completed or failed generation and render
 * still in Redis goes through the recorder, which charges only what the ledger does not have yet.
 * Answers how many jobs it looked at.
 */
export async function chargeMissedJobs({ tasks, record }: { tasks: TaskService; record: TaskListener }): Promise<number> {
  let seen = 0;
  for (const { kind, queue } of tasks.jobQueues()) {
    if (kind.name !== 'generation' && kind.name !== 'render') continue;
    for (const state of ['completed', 'failed'] as const)
      for (const job of await queue.getJobs([state], 0, SWEEP_LIMIT - 1)) {
        if (!job?.id || !job.processedOn) continue;
        seen++;
        try {
          await record(
            job.id,
            kind.name,
            state === 'failed'
              ? { on: 'failed', reason: job.failedReason, cancelled: job.failedReason === 'cancelled' }
              : { on: 'completed', result: job.returnvalue },
          );
        } catch {
          // A job of a project that is gone, or an unreadable ledger: the rest are still charged.
        }
      }
  }
  return seen;
}
