import type { GraphEditOp } from '@studio/node-schemas';

/** What happened at one server clock tick. */
export type LoggedChange =
  | { clock: number; kind: 'edits'; edits: GraphEditOp[]; origin?: string; clientClock?: number }
  | { clock: number; kind: 'replace' }
  | { clock: number; kind: 'project' };

/**
 * The last `capacity` changes, so a reconnecting client gets exactly what it missed. A client
 * further behind, or one that missed a whole-graph replacement, gets a full sync instead.
 */
export class PatchLog {
  readonly #entries: LoggedChange[] = [];
  constructor(readonly capacity = 10_000) {}

  push(change: LoggedChange): void {
    this.#entries.push(change);
    if (this.#entries.length > this.capacity * 1.25) this.#entries.splice(0, this.#entries.length - this.capacity);
  }

  /** The edit patches after `since`, or null when they cannot be replayed as patches. */
  since(since: number, now: number): Extract<LoggedChange, { kind: 'edits' }>[] | null {
    if (since === now) return [];
    if (since > now) return null;
    const first = this.#entries.findIndex((e) => e.clock > since);
    if (first === -1 || this.#entries[first]!.clock !== since + 1) return null;
    const missed = this.#entries.slice(first);
    return missed.every((e) => e.kind === 'edits') ? (missed as Extract<LoggedChange, { kind: 'edits' }>[]) : null;
  }
}
