import type { GraphEditOp } from '../ws-messages.ts';

interface Entry {
  forward: GraphEditOp[];
  inverse: GraphEditOp[];
  group: string | null;
}

/** Keeps, for a run of moves of the same nodes, only the oldest position of each: that is what undo restores. */
function compactInverse(inverse: GraphEditOp[]): GraphEditOp[] {
  const out: GraphEditOp[] = [];
  const seen = new Set<string>();
  for (let i = inverse.length - 1; i >= 0; i--) {
    const op = inverse[i]!;
    if (op.op === 'update_node' && Object.keys(op.changes).join() === 'position') {
      if (seen.has(op.id)) continue;
      seen.add(op.id);
    }
    out.push(op);
  }
  return out.reverse();
}

/**
 * Undo and redo of this client's own edits. Undo sends the inverse as a new edit, so it composes
 * with other clients' live edits instead of rewinding them. Edits in one group (a node drag)
 * undo together.
 */
export class UndoHistory {
  #undo: Entry[] = [];
  #redo: Entry[] = [];
  #openGroup: string | null = null;

  constructor(private readonly limit = 200) {}

  beginGroup(group: string): void {
    this.#openGroup = group;
  }

  endGroup(): void {
    this.#openGroup = null;
  }

  record(forward: GraphEditOp[], inverse: GraphEditOp[]): void {
    const last = this.#undo.at(-1);
    if (this.#openGroup !== null && last?.group === this.#openGroup) {
      last.forward = [...last.forward, ...forward];
      last.inverse = compactInverse([...inverse, ...last.inverse]);
    } else {
      this.#undo.push({ forward, inverse, group: this.#openGroup });
      if (this.#undo.length > this.limit) this.#undo.shift();
    }
    this.#redo = [];
  }

  /** The edits to send to undo the last entry, moving it to the redo stack. */
  takeUndo(): GraphEditOp[] | null {
    const entry = this.#undo.pop();
    if (!entry) return null;
    this.#redo.push(entry);
    return entry.inverse;
  }

  takeRedo(): GraphEditOp[] | null {
    const entry = this.#redo.pop();
    if (!entry) return null;
    this.#undo.push(entry);
    return entry.forward;
  }

  /** The undo just taken could not be applied (the server refused it): forget it rather than redo it. */
  discardLastRedo(): void {
    this.#redo.pop();
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }
}
