import type { CanvasChange } from '@studio/node-schemas';

/**
 * What each commit did to the canvas, by commit hash. A commit's hash fixes its tree and parents,
 * so its change never changes (and is the same in a fork): paging back and forth through history
 * diffs each canvas once. Least recently used entries go first.
 */
export class CanvasChangeCache {
  readonly #entries = new Map<string, CanvasChange | null>();
  constructor(private readonly capacity = 5000) {}

  get(hash: string): CanvasChange | null | undefined {
    const hit = this.#entries.get(hash);
    if (hit === undefined) return undefined;
    this.#entries.delete(hash);
    this.#entries.set(hash, hit);
    return hit;
  }

  set(hash: string, change: CanvasChange | null): void {
    this.#entries.delete(hash);
    this.#entries.set(hash, change);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The engine's one cache (history is read by every open History panel). */
export const canvasChanges = new CanvasChangeCache();
