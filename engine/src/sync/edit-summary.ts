import type { GraphEditOp } from '@studio/node-schemas';

/** Counts what a run of edits did, for a commit message a person can read. */
export class EditSummary {
  #added = 0;
  #moved = 0;
  #changed = 0;
  #removed = 0;
  #connected = 0;
  #disconnected = 0;

  record(edits: readonly GraphEditOp[]): void {
    for (const edit of edits) {
      if (edit.op === 'add_node') this.#added++;
      else if (edit.op === 'remove_node') this.#removed++;
      else if (edit.op === 'add_edge') this.#connected++;
      else if (edit.op === 'remove_edge') this.#disconnected++;
      else if (edit.changes.data !== undefined || edit.changes.parentId !== undefined) this.#changed++;
      else this.#moved++;
    }
  }

  reset(): void {
    this.#added = this.#moved = this.#changed = this.#removed = this.#connected = this.#disconnected = 0;
  }

  get empty(): boolean {
    return !(this.#added || this.#moved || this.#changed || this.#removed || this.#connected || this.#disconnected);
  }

  describe(): string {
    const parts: string[] = [];
    const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
    if (this.#added) parts.push(`added ${n(this.#added, 'node')}`);
    if (this.#removed) parts.push(`removed ${n(this.#removed, 'node')}`);
    if (this.#changed) parts.push(`changed ${n(this.#changed, 'node')}`);
    if (this.#moved) parts.push(`moved nodes ${n(this.#moved, 'time')}`);
    if (this.#connected) parts.push(`connected ${n(this.#connected, 'edge')}`);
    if (this.#disconnected) parts.push(`disconnected ${n(this.#disconnected, 'edge')}`);
    return parts.join(', ') || 'no changes';
  }
}
