import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onCommit } from './commit-notice.ts';
import { runGit } from './git.ts';
import type { GitQueue } from './git-queue.ts';
import type { Workspace } from './workspace.ts';

/**
 * Packs a repository's loose objects (and deletes them), folds small packs together and writes the
 * commit-graph, so history stays quick to walk and clone after months of saves (the engine turns
 * git's auto-gc off: it must not race the engine's commits). `repack -d` without -a is incremental,
 * unlike `git gc`, and has no batch limit, unlike the loose-objects maintenance task (50,000).
 */
export async function maintainRepository(dir: string): Promise<void> {
  await runGit(dir, ['repack', '-d', '-q']);
  await runGit(dir, ['maintenance', 'run', '--task=incremental-repack', '--task=commit-graph']);
}

/** Loose objects, estimated as git's own `gc --auto` does: one of the 256 fan-out folders, times 256. */
export function estimateLooseObjects(dir: string): number {
  try {
    return readdirSync(join(dir, '.git', 'objects', '17')).filter((f) => /^[0-9a-f]{38}$/.test(f)).length * 256;
  } catch {
    return 0;
  }
}

export interface MaintenanceTiming {
  /** Maintenance waits until a project has had no commit for this long... */
  idleMs: number;
  /** ...and runs only after this many commits since the last one (or this many loose objects found at start). */
  commitsBetween: number;
  looseObjectsThreshold: number;
}

export const DEFAULT_MAINTENANCE: MaintenanceTiming = { idleMs: 60_000, commitsBetween: 500, looseObjectsThreshold: 6700 };

/**
 * Runs git maintenance of a project in its serial queue, as background work, once it has gone idle
 * after enough commits: nobody's save waits for another project's maintenance, and a save that
 * arrives during it waits only for that one run.
 */
export class MaintenanceScheduler {
  readonly #commits = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  readonly #unsubscribe: () => void;
  /** Per project, how many maintenance runs finished (for tests and the bench). */
  readonly runs = new Map<string, number>();

  constructor(
    private readonly workspace: Workspace,
    private readonly queue: GitQueue,
    private readonly timing: MaintenanceTiming = DEFAULT_MAINTENANCE,
  ) {
    this.#unsubscribe = onCommit(({ dir }) => {
      if (dirname(dir) !== workspace.projectsDir) return;
      const id = basename(dir);
      this.#commits.set(id, (this.#commits.get(id) ?? 0) + 1);
      if ((this.#commits.get(id) ?? 0) >= this.timing.commitsBetween) this.#arm(id);
    });
  }

  /** At start-up: queues maintenance for projects that hold many loose objects already. */
  checkProjects(ids: readonly string[]): void {
    for (const id of ids) {
      if (estimateLooseObjects(join(this.workspace.projectsDir, id)) >= this.timing.looseObjectsThreshold) this.#arm(id, 0);
    }
  }

  #arm(id: string, delay = this.timing.idleMs): void {
    clearTimeout(this.#timers.get(id));
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      if (this.queue.busy(id)) return this.#arm(id);
      this.#commits.delete(id);
      const run = this.queue
        .runInBackground(id, () => maintainRepository(join(this.workspace.projectsDir, id)))
        .then(
          () => void this.runs.set(id, (this.runs.get(id) ?? 0) + 1),
          () => undefined,
        )
        .finally(() => this.#running.delete(run));
      this.#running.add(run);
    }, delay);
    timer.unref();
    this.#timers.set(id, timer);
  }

  /** Stops scheduling and waits for runs in progress. */
  async close(): Promise<void> {
    this.#unsubscribe();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#running]);
  }
}
