/** A place to run granted by BackgroundSlots: release it when the work is done. */
export interface Slot {
  counted: boolean;
}

/**
 * Bounds how much background work runs at once. Work that someone is waiting behind (hurried)
 * starts at once, without a slot: background work must never make a person wait for other projects.
 */
export class BackgroundSlots {
  #free: number;
  readonly #waiting: Array<{ projectId: string; start: (slot: Slot) => void }> = [];

  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }

  turn(projectId: string, urgent: boolean): Promise<Slot> {
    if (urgent) return Promise.resolve({ counted: false });
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve({ counted: true });
    }
    return new Promise((start) => this.#waiting.push({ projectId, start }));
  }

  hurry(projectId: string): void {
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      if (this.#waiting[i]!.projectId !== projectId) continue;
      this.#waiting.splice(i, 1)[0]!.start({ counted: false });
    }
  }

  release(slot: Slot): void {
    if (!slot.counted) return;
    const next = this.#waiting.shift();
    if (next) next.start({ counted: true });
    else this.#free++;
  }
}
