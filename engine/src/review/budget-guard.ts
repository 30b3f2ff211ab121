import type { RateTable } from '@studio/node-schemas';
import { parseGpuQueue } from '../jobs/gpu-tiers.ts';
import type { SubmitGuard, SubmitRequest } from '../jobs/task-service.ts';
import type { VramProfiles } from '../jobs/vram-profile.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import { BudgetExceededError } from './budget-errors.ts';
import { estimateCost } from './budget-estimate.ts';
import type { LedgerBook } from './ledger-book.ts';
import { readSceneRecords } from './scene-records.ts';
import { roundCredits } from './rates-table.ts';

/** A reservation of a queued job's estimate, until the ledger charges it (or it ends uncharged). */
interface Pending {
  projectId: string;
  scene: string | null;
  credits: number;
  at: number;
}

/** A reservation older than this is dropped (a job whose end the engine never heard of). */
const PENDING_TTL_MS = 6 * 3600_000;

/**
 * Budgets (docs/governance.md#budgets): before a job is queued its cost is estimated, and it is
 * refused (402 BUDGET_EXCEEDED, with what is left) when what the project, or the shot's scene, has
 * spent plus what its queued jobs are expected to cost plus this estimate would pass the budget. A
 * job that passes reserves its estimate until it is charged, so ten clicks at once cannot all slip
 * under the same remainder.
 */
export class BudgetGuard {
  readonly #pending = new Map<string, Pending>();
  /** Per project: the check and the reservation of one job at a time. */
  readonly #turns = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: { rooms: RoomRegistry; book: LedgerBook; rates: RateTable; profiles?: VramProfiles }) {}

  readonly guard: SubmitGuard = (request) => {
    if (request.reuse) return Promise.resolve();
    const previous = this.#turns.get(request.projectId) ?? Promise.resolve();
    const turn = previous.then(() => this.#check(request));
    const settled = turn.catch(() => undefined);
    this.#turns.set(request.projectId, settled);
    void settled.then(() => {
      if (this.#turns.get(request.projectId) === settled) this.#turns.delete(request.projectId);
    });
    return turn;
  };

  /** The job has been charged, or ended without a charge: its reservation goes. */
  release(taskId: string): void {
    this.#pending.delete(taskId);
  }

  #reserved(projectId: string, scene?: string): number {
    const now = Date.now();
    let sum = 0;
    for (const [task, p] of this.#pending) {
      if (now - p.at > PENDING_TTL_MS) this.#pending.delete(task);
      else if (p.projectId === projectId && (scene === undefined || p.scene === scene)) sum += p.credits;
    }
    return sum;
  }

  async #check(request: SubmitRequest): Promise<void> {
    const { rooms, book, rates, profiles } = this.deps;
    const room = await rooms.get(request.projectId);
    const budget = room.projectManifest.budget ?? null;
    const scene = request.scene ?? null;
    const sceneBudget = scene ? ((await readSceneRecords(room.dir))[scene]?.budget ?? null) : null;
    if (budget === null && sceneBudget === null) return;
    const data = request.generation;
    const tier = request.queue ? (parseGpuQueue(request.queue)?.tier ?? null) : null;
    const history = await book.entries(room.dir);
    const estimate = await estimateCost({
      kind: request.kind,
      pipeline: data?.pipelineId ?? 'render:ffmpeg',
      quality: data?.quality ?? null,
      tier,
      rates,
      profiles,
      history,
    });
    const refuse = (scope: 'project' | 'scene', limit: number, spent: number) => {
      if (spent + estimate.credits <= limit + 1e-9) return;
      throw new BudgetExceededError({
        scope,
        ...(scope === 'scene' ? { scene: scene! } : {}),
        budget: limit,
        spent: roundCredits(spent),
        estimate: roundCredits(estimate.credits),
        left: roundCredits(Math.max(0, limit - spent)),
      });
    };
    if (budget !== null) refuse('project', budget, (await book.spent(room.dir)) + this.#reserved(request.projectId));
    if (sceneBudget !== null && scene) refuse('scene', sceneBudget, (await book.spent(room.dir, scene)) + this.#reserved(request.projectId, scene));
    if (request.taskId) this.#pending.set(request.taskId, { projectId: request.projectId, scene, credits: estimate.credits, at: Date.now() });
  }
}
