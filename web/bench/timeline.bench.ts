import type { BenchResult } from '../../engine/bench/bench-result.ts';

/** Filled in by the work on its issue. */
export async function benchTimeline(): Promise<BenchResult[]> {
  return [];
}
