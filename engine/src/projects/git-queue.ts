/**
 * One serial queue of operations per project: the engine is the only writer of a project
 * repository, and its git operations never overlap. Operations on different projects run freely.
 */
export class GitQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(projectId: string, operation: () => Promise<T>): Promise<T> {
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
