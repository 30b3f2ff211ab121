import type { BenchResult } from './bench-result.ts';

/** Filled in by the work on its issue. */
export async function benchLfs(): Promise<BenchResult[]> {
  return [];
}
