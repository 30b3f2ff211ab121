export interface Debouncer<T> {
  /** Commits `value` after the delay unless another value comes first. */
  schedule(value: T): void;
  /** Commits the pending value now, if any. */
  flush(): void;
  /** Drops the pending value without committing it. */
  cancel(): void;
  readonly pending: boolean;
}

export function createDebouncer<T>(commit: (value: T) => void, delayMs: number): Debouncer<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest: T;
  const flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    commit(latest);
  };
  return {
    schedule(value) {
      latest = value;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, delayMs);
    },
    flush,
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    get pending() {
      return timer !== null;
    },
  };
}
