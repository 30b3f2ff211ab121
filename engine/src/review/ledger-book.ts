import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerEntry } from '@studio/node-schemas';
import { runGit } from '../projects/git.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { openProjectRepository } from '../projects/repository/open-project-repository.ts';
import type { HeldRepository } from '../projects/repository/project-repository.ts';
import { LEDGER_FILE, ledgerChange, readLedger } from './ledger-file.ts';

/**
 * The ledgers of a workspace's projects: read once and kept while the file stays as last seen,
 * appended to in the project's git queue (so a task is looked up and charged in one step that no
 * other write to the project interleaves with), each charge its own commit by the task's actor.
 */
export class LedgerBook {
  readonly #cache = new Map<string, { size: number; entries: LedgerEntry[]; tasks: Set<string> }>();
  /** Projects whose ledger this engine has checked for lines a crash left appended but uncommitted. */
  readonly #checked = new Set<string>();
  /** Per project: charges waiting for its git queue. */
  readonly #waiting = new Map<
    string,
    { projectDir: string; items: Array<{ entry: LedgerEntry; resolve: (charged: boolean) => void; reject: (error: Error) => void }> }
  >();

  constructor(private readonly queue: GitQueue) {}

  /** A project's entries, oldest first. */
  async entries(projectDir: string): Promise<LedgerEntry[]> {
    return (await this.#load(projectDir)).entries;
  }

  async #load(projectDir: string) {
    const size = await stat(join(projectDir, LEDGER_FILE)).then(
      (s) => s.size,
      () => 0,
    );
    const cached = this.#cache.get(projectDir);
    if (cached && cached.size === size) return cached;
    const entries = await readLedger(projectDir);
    const loaded = { size, entries, tasks: new Set(entries.map((e) => e.task_id)) };
    this.#cache.set(projectDir, loaded);
    return loaded;
  }

  /** Credits spent in a project, or in one of its scenes. */
  async spent(projectDir: string, scene?: string): Promise<number> {
    const entries = await this.entries(projectDir);
    return entries.filter((e) => scene === undefined || e.scene === scene).reduce((sum, e) => sum + e.credits, 0);
  }

  /**
   * Charges a task: appends its entry and commits it, unless the ledger already has the task (a
   * repeated event, a retried job): a task is charged once, whatever happens around it. Charges that
   * arrive while the project's git queue is busy share one commit, as takes do. True when charged.
   */
  record(projectId: string, projectDir: string, entry: LedgerEntry): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(projectId);
      if (waiting) return void waiting.items.push({ entry, resolve, reject });
      this.#waiting.set(projectId, { projectDir, items: [{ entry, resolve, reject }] });
      void openProjectRepository({ id: projectId, dir: projectDir, queue: this.queue }).exclusive((held) => this.#charge(held));
    });
  }

  /** Appends and commits every charge waiting for a project (in its git queue). */
  async #charge(held: HeldRepository): Promise<void> {
    const batch = this.#waiting.get(held.id)!;
    this.#waiting.delete(held.id);
    const { projectDir, items } = batch;
    try {
      const present = await stat(join(projectDir, LEDGER_FILE)).then(
        () => true,
        () => false,
      );
      if (!this.#checked.has(projectDir) || !present) {
        await this.#commitLeftovers(held, projectDir);
        this.#checked.add(projectDir);
      }
      const loaded = await this.#load(projectDir);
      const charged: LedgerEntry[] = [];
      const outcomes = items.map(({ entry }) => {
        if (loaded.tasks.has(entry.task_id)) return false;
        loaded.tasks.add(entry.task_id);
        charged.push(entry);
        return true;
      });
      try {
        if (charged.length) {
          const users = new Set(charged.map((e) => `${e.user.kind}:${e.user.tenant}:${e.user.id}`));
          await held.commit({
            actor: users.size === 1 ? charged[0]!.user : undefined,
            message: chargeMessage(charged),
            files: [await ledgerChange(projectDir, charged)],
          });
        }
      } catch (error) {
        // Not charged after all: the next event or the start-up sweep tries again (what reached the file is read back then).
        for (const entry of charged) loaded.tasks.delete(entry.task_id);
        this.#cache.delete(projectDir);
        throw error;
      }
      loaded.entries.push(...charged);
      loaded.size = (await stat(join(projectDir, LEDGER_FILE))).size;
      items.forEach((item, i) => item.resolve(outcomes[i]!));
    } catch (error) {
      for (const item of items) item.reject(error as Error);
    }
  }

  /**
   * Lines appended before a crash and never committed are committed now, by the engine (their own
   * commits never happened); a ledger deleted from the working tree is brought back from HEAD, never
   * committed as deleted (the ledger is append-only).
   */
  async #commitLeftovers(held: HeldRepository, projectDir: string): Promise<void> {
    const status = await runGit(projectDir, ['status', '--porcelain', '--', LEDGER_FILE]);
    if (!status.trim()) return;
    if (/^.D/m.test(status)) {
      // Brought back as HEAD has it: nothing to commit, the file is there again.
      const committed = await runGit(projectDir, ['show', `HEAD:${LEDGER_FILE}`]);
      await held.commit({ actor: undefined, message: 'Ledger restored', files: [{ path: LEDGER_FILE, content: committed }] });
      return;
    }
    const entries = await readLedger(projectDir);
    await held.commit({
      actor: undefined,
      message: `Ledger: ${entries.length} entries, with those a crash left uncommitted`,
      files: [{ path: LEDGER_FILE, written: true }],
    });
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

function describe(entry: LedgerEntry): string {
  const what = entry.tier === null ? `${round(entry.cpu_seconds)} CPU-s` : `${round(entry.gpu_seconds)} GPU-s on ${entry.tier} GB`;
  return `${entry.kind} ${entry.task_id} (${entry.pipeline}, ${entry.outcome}) ${what}, ${Math.round(entry.credits * 1000) / 1000} credits`;
}

/** One charge: `Ledger: generation gen-… (pipeline, succeeded) 12.3 GPU-s on 24 GB, 3.69 credits`; several: a count and a list. */
function chargeMessage(entries: LedgerEntry[]): string {
  if (entries.length === 1) return `Ledger: ${describe(entries[0]!)}`;
  const credits = Math.round(entries.reduce((sum, e) => sum + e.credits, 0) * 1000) / 1000;
  return `Ledger: ${entries.length} charges, ${credits} credits\n\n${entries.map((e) => `- ${describe(e)} by ${e.user.name}`).join('\n')}`;
}
