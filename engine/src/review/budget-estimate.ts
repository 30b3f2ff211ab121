import type { LedgerEntry, Quality, RateTable } from '@studio/node-schemas';
import type { VramProfiles } from '../jobs/vram-profile.ts';
import { profileKey } from '../jobs/vram-profile.ts';
import { priceUsage } from './rates-table.ts';

/** What a job is expected to run for when nothing has been seen of its pipeline yet, in seconds. */
export const DECLARED_SECONDS = { gpu: 60, cpu: 10, render: 30 } as const;
/** Recent runs of a pipeline in the project's ledger that an estimate averages. */
const HISTORY_WINDOW = 20;

export interface CostEstimate {
  seconds: number;
  credits: number;
  /** Where the time came from: the GPU workers' observed profile, this project's ledger, or the declared figure. */
  basis: 'observed' | 'ledger' | 'declared';
}

/**
 * What a job will cost before it runs: its expected time (the observed mean of its pipeline at its
 * quality, else the mean of its recent runs in the ledger, else the declared figure) priced at the
 * rate of the tier it goes to.
 */
export async function estimateCost({
  pipeline,
  quality,
  tier,
  kind,
  rates,
  profiles,
  history,
}: {
  pipeline: string;
  quality: Quality | null;
  tier: number | null;
  kind: 'generation' | 'render';
  rates: RateTable;
  profiles?: VramProfiles;
  history: readonly LedgerEntry[];
}): Promise<CostEstimate> {
  let seconds: number | null = null;
  let basis: CostEstimate['basis'] = 'declared';
  if (tier !== null && quality && profiles) {
    const observed = (await profiles.read([[pipeline, quality]])).get(profileKey(pipeline, quality));
    if (observed && observed.meanWallS > 0) [seconds, basis] = [observed.meanWallS, 'observed'];
  }
  if (seconds === null) {
    const runs = history.filter((e) => e.pipeline === pipeline && e.quality === quality && e.outcome === 'succeeded').slice(-HISTORY_WINDOW);
    if (runs.length) [seconds, basis] = [runs.reduce((sum, e) => sum + e.gpu_seconds + e.cpu_seconds, 0) / runs.length, 'ledger'];
  }
  if (seconds === null) seconds = kind === 'render' ? DECLARED_SECONDS.render : tier === null ? DECLARED_SECONDS.cpu : DECLARED_SECONDS.gpu;
  return { seconds, credits: priceUsage(rates, { tier, seconds }).credits, basis };
}
