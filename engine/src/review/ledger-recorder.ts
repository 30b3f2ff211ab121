import { LEDGER_ENTRY_FORMAT, LOCAL_ACTOR, type LedgerEntry, type RateTable } from '@studio/node-schemas';
import type { TaskListener, TaskService } from '../jobs/task-service.ts';
import { existingProjectPath, type Workspace } from '../projects/workspace.ts';
import type { LedgerBook } from './ledger-book.ts';
import { sceneOfTakeFolder } from './ledger-scene.ts';
import { usageOfJob } from './ledger-usage.ts';
import { priceUsage } from './rates-table.ts';

/**
 * Charges every task when it ends (docs/governance.md#costs): a success for its run; a failure or a
 * cancel for the time it held a GPU (that GPU was taken whatever came of it), while a failed or
 * cancelled CPU run costs nothing; a task cancelled before it started costs nothing. Each task id
 * is charged once (LedgerBook.record).
 */
export function ledgerRecorder({
  tasks,
  workspace,
  book,
  rates,
  onSettled,
}: {
  tasks: TaskService;
  workspace: Workspace;
  book: LedgerBook;
  rates: RateTable;
  /** Told when a task has been charged or ended without a charge (a budget's reservation goes). */
  onSettled?: (taskId: string) => void;
}): TaskListener {
  return async (taskId, kind, event) => {
    if (event.on !== 'completed' && event.on !== 'failed') return;
    try {
      const found = await tasks.findJob(taskId);
      const usage = found ? usageOfJob(kind, found.job, event) : null;
      if (!usage || (usage.outcome !== 'succeeded' && usage.tier === null)) return;
      // The project's folder, not its room: a job may end while the engine shuts its rooms down.
      const dir = await existingProjectPath(workspace, usage.projectId);
      const meta = await tasks.taskMeta(taskId);
      const { rate, credits } = priceUsage(rates, usage);
      const entry: LedgerEntry = {
        format: LEDGER_ENTRY_FORMAT,
        task_id: taskId,
        kind,
        node_id: usage.nodeId,
        scene: meta ? meta.scene : usage.takeFolder ? sceneOfTakeFolder(usage.takeFolder) : null,
        user: meta?.actor ?? LOCAL_ACTOR,
        pipeline: usage.pipeline,
        quality: usage.quality,
        outcome: usage.outcome,
        tier: usage.tier,
        gpu_seconds: usage.tier === null ? 0 : usage.seconds,
        cpu_seconds: usage.tier === null ? usage.seconds : 0,
        rate,
        credits,
        started_at: usage.startedAt,
        finished_at: usage.finishedAt,
      };
      await book.record(usage.projectId, dir, entry);
    } finally {
      onSettled?.(taskId);
    }
  };
}
