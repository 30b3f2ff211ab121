/** Where a task's progress was first seen: the time left is estimated from the pace since then. */
export interface ProgressMark {
  taskId: string | null;
  at: number;
  progress: number;
}

/**
 * Seconds left at the pace since `mark`, or null until there is a pace to go by (a percent gained
 * over at least half a second). Progress is 0-100.
 */
export function secondsLeft(args: { mark: ProgressMark | null; now: number; progress: number | null }): number | null {
  const { mark, now, progress } = args;
  if (!mark || progress === null) return null;
  const gained = progress - mark.progress;
  const elapsed = (now - mark.at) / 1000;
  if (gained < 1 || elapsed < 0.5) return null;
  return Math.max(0, (elapsed * (100 - progress)) / gained);
}

/** "about 40 s left", "about 2 min 5 s left", "almost done". */
export function timeLeftLabel(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 1.5) return 'almost done';
  const s = Math.round(seconds);
  if (s < 60) return `about ${s} s left`;
  const m = Math.floor(s / 60);
  return s % 60 ? `about ${m} min ${s % 60} s left` : `about ${m} min left`;
}
