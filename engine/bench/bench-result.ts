/** How a value is compared with its target. */
export type Comparison = '<' | '<=' | '>' | '>=' | '==';

/** A target as data: the benchmark compares each value with it and prints whether it was met. */
export interface Target {
  op: Comparison;
  value: number;
}

/** One line of `npm run bench` output (docs/architecture.md#tests-and-benchmarks), extended so a figure says what it measured. */
export interface BenchResult {
  bench: string;
  metric: string;
  /** null when the figure could not be measured; `unmeasured` says why. */
  value: number | null;
  unit: string;
  /** The target as text, made from `goal` ('baseline' for a baseline, '' for a figure with none). */
  target: string;
  /** The target as data; absent for a baseline or a figure reported for information. */
  goal?: Target;
  /** Whether `value` met `goal`: null without a goal or without a value. */
  met?: boolean | null;
  /** Why there is no value (a timeout, a missing tool). */
  unmeasured?: string;
  /** What the figure is and is not: samples lost, extrapolated, a model rather than a run. */
  note?: string;
}

export function meets(value: number, goal: Target): boolean {
  switch (goal.op) {
    case '<':
      return value < goal.value;
    case '<=':
      return value <= goal.value;
    case '>':
      return value > goal.value;
    case '>=':
      return value >= goal.value;
    case '==':
      return value === goal.value;
  }
}

export function targetText(goal: Target | 'baseline' | undefined, unit: string): string {
  if (goal === undefined) return '';
  if (goal === 'baseline') return 'baseline';
  return `${goal.op} ${goal.value}${unit ? ` ${unit}` : ''}`;
}

/** The result lines of one benchmark suite: values compared with their targets, gaps named. */
export function reporter(bench: string) {
  const results: BenchResult[] = [];
  const push = (result: BenchResult) => (results.push(result), result);
  return {
    results,
    /** A measured figure; `goal` is its target as data, 'baseline' for the baseline others are compared with. */
    measured(metric: string, value: number, unit: string, goal?: Target | 'baseline', note?: string): BenchResult {
      if (!Number.isFinite(value)) return this.unmeasured(metric, unit, `the measurement gave ${value}`, goal);
      const target = targetText(goal, unit);
      const data = typeof goal === 'object' ? goal : undefined;
      return push({ bench, metric, value, unit, target, ...(data ? { goal: data } : {}), met: data ? meets(value, data) : null, ...(note ? { note } : {}) });
    },
    /** A figure the benchmark could not measure, and why: it is printed, never silently left out. */
    unmeasured(metric: string, unit: string, reason: string, goal?: Target | 'baseline'): BenchResult {
      const data = typeof goal === 'object' ? goal : undefined;
      return push({ bench, metric, value: null, unit, target: targetText(goal, unit), ...(data ? { goal: data } : {}), met: null, unmeasured: reason });
    },
  };
}

/**
 * What `npm run bench` prints for a result: `met` recomputed from the goal, so a suite cannot claim
 * a target it did not meet; a target given only as text is printed as unchecked.
 */
export function checked(result: BenchResult): BenchResult {
  if (result.value === null) return { ...result, met: null, unmeasured: result.unmeasured ?? 'no value and no reason given' };
  if (result.goal) return { ...result, target: result.target || targetText(result.goal, result.unit), met: meets(result.value, result.goal) };
  if (result.target && result.target !== 'baseline')
    return { ...result, met: null, note: [result.note, 'target given as text only, not compared'].filter(Boolean).join('; ') };
  return { ...result, met: null };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
