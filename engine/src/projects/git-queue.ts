import { BackgroundSlots } from './background-slots.ts';

/** Projects whose background work (start-up recovery, maintenance) runs at once, at most. */
export const BACKGROUND_PARALLELISM = 4;

/**
 * One serial queue of operations per project: the engine is the only writer of a project
 * repository, and its git operations never overlap. Operations on different projects run freely.
 */
export class GitQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #background: BackgroundSlots;
  /** Per project, foreground operations queued or running. */
  readonly #foreground = new Map<string, number>();

  constructor({ backgroundParallelism = BACKGROUND_PARALLELISM }: { backgroundParallelism?: number } = {}) {
    this.#background = new BackgroundSlots(backgroundParallelism);
  }

  run<T>(projectId: string, operation: () => Promise<T>): Promise<T> {
    // Someone needs this project now: background work queued ahead of them starts without waiting for a slot.
    this.#background.hurry(projectId);
    this.#foreground.set(projectId, (this.#foreground.get(projectId) ?? 0) + 1);
    const result = this.#enqueue(projectId, operation);
    const done = () => {
      const left = (this.#foreground.get(projectId) ?? 1) - 1;
      if (left) this.#foreground.set(projectId, left);
      else this.#foreground.delete(projectId);
    };
    result.then(done, done);
    return result;
  }

  /**
   * Work nobody is waiting for, in the project's queue like any other operation, but at most a few
   * projects at a time across the workspace, so 500 of them do not start 500 git processes at once.
   */
  runInBackground<T>(projectId: string, operation: () => Promise<T>): Promise<T> {
    return this.#enqueue(projectId, async () => {
      const slot = await this.#background.turn(projectId, this.#foreground.has(projectId));
      try {
        return await operation();
      } finally {
        this.#background.release(slot);
      }
    });
  }

  /** Whether the project has an operation running or queued. */
  busy(projectId: string): boolean {
    return this.#tails.has(projectId);
  }

  #enqueue<T>(projectId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(projectId) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.catch(() => undefined);
    this.#tails.set(projectId, tail);
    void tail.then(() => {
      if (this.#tails.get(projectId) === tail) this.#tails.delete(projectId);
    });
    return result;
  }

  /** Resolves when every queued operation of every project has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size) await Promise.all([...this.#tails.values()]);
  }
}
