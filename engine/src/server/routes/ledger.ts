import type { FastifyInstance } from 'fastify';
import type { LedgerAnswer } from '@studio/node-schemas';
import { BudgetGuard } from '../../review/budget-guard.ts';
import { LedgerBook } from '../../review/ledger-book.ts';
import { ledgerRecorder } from '../../review/ledger-recorder.ts';
import { chargeMissedJobs } from '../../review/ledger-sweep.ts';
import { ledgerTotals } from '../../review/ledger-totals.ts';
import { loadRateTable } from '../../review/rates-table.ts';
import { readSceneRecords } from '../../review/scene-records.ts';
import type { EngineContext } from '../context.ts';

/**
 * The cost ledger and budgets (docs/governance.md#costs): every task is charged when it ends, a job
 * that would go over a budget is refused before it is queued, and GET .../ledger shows the spend.
 * A rates file (STUDIO_RATES) that is not a valid table stops the engine here, at start-up.
 */
export async function ledgerRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  const rates = await loadRateTable(ctx.settings.ratesFile);
  const book = new LedgerBook(ctx.queue);
  if (ctx.tasks) {
    const budgets = new BudgetGuard({ rooms: ctx.rooms, book, rates, profiles: ctx.tasks.profiles });
    ctx.tasks.addSubmitGuard(budgets.guard, (taskId) => budgets.release(taskId));
    const record = ledgerRecorder({ tasks: ctx.tasks, workspace: ctx.workspace, book, rates, onSettled: (taskId) => budgets.release(taskId) });
    ctx.tasks.addTaskListener(record);
    // What ended while no engine was listening is charged now (once: the ledger has the rest).
    void chargeMissedJobs({ tasks: ctx.tasks, record }).catch(() => undefined);
  }

  app.get('/api/v1/projects/:id/ledger', async (request): Promise<LedgerAnswer> => {
    const room = await ctx.rooms.get((request.params as { id: string }).id);
    const entries = await book.entries(room.dir);
    const scenes = await readSceneRecords(room.dir);
    const sceneBudgets = Object.fromEntries(Object.entries(scenes).map(([scene, record]) => [scene, record.budget]));
    return { entries, totals: ledgerTotals(entries, room.projectManifest.budget ?? null, sceneBudgets), rates };
  });
}
