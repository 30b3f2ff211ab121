import { readFile } from 'node:fs/promises';
import { RatesFile, RateTable } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { TIER_LADDER } from '../jobs/gpu-tiers.ts';

/** A rates file (STUDIO_RATES) that cannot be read or is not a rate table: the engine does not start on it. */
export class RatesFileError extends StudioError {
  override readonly code = 'INVALID_SETTING';
  override readonly status = 500;
}

/**
 * The built-in prices, in credits per second: a GPU-second costs more the more VRAM its tier holds
 * (about 0.0125 credits per GB-second), a CPU-second a small fraction of the smallest GPU's.
 */
export const BUILT_IN_RATES: RateTable = {
  gpu_second: Object.fromEntries(TIER_LADDER.map((tier) => [String(tier), Math.round(tier * 12.5) / 1000])),
  cpu_second: 0.01,
};

/** The built-in table with a rates file laid over it (its tiers replace or add to the built-in ones). */
export function mergeRates(base: RateTable, file: RatesFile): RateTable {
  return RateTable.parse({ gpu_second: { ...base.gpu_second, ...(file.gpu_second ?? {}) }, cpu_second: file.cpu_second ?? base.cpu_second });
}

/** Parses a rates file's text, saying which field is wrong and where. */
export function parseRatesFile(text: string, path: string): RatesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RatesFileError(`STUDIO_RATES ${path} is not JSON: ${(error as Error).message}`, { path });
  }
  const parsed = RatesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RatesFileError(`STUDIO_RATES ${path} is not a rate table: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, {
      path,
      field: issue.path.join('.'),
    });
  }
  return parsed.data;
}

/** The rate table in force: the built-in one, or with the file at `path` (STUDIO_RATES) laid over it. */
export async function loadRateTable(path: string | undefined): Promise<RateTable> {
  if (!path) return BUILT_IN_RATES;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RatesFileError(`STUDIO_RATES ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { path });
  }
  return mergeRates(BUILT_IN_RATES, parseRatesFile(text, path));
}

/** Credits per GPU-second on a tier: its own rate, else the next larger tier listed, else the largest listed. */
export function gpuRate(rates: RateTable, tier: number): number {
  const listed = Object.entries(rates.gpu_second)
    .map(([t, rate]) => [Number(t), rate] as const)
    .sort((a, b) => a[0] - b[0]);
  return (listed.find(([t]) => t >= tier) ?? listed[listed.length - 1]!)[1];
}

/** What a job used, priced: GPU-seconds at its tier's rate, or CPU-seconds. */
export function priceUsage(rates: RateTable, usage: { tier: number | null; seconds: number }): { rate: number; credits: number } {
  const rate = usage.tier === null ? rates.cpu_second : gpuRate(rates, usage.tier);
  return { rate, credits: roundCredits(rate * usage.seconds) };
}

/** Credits are kept to a thousandth: sums of many small jobs stay exact enough, and totals read cleanly. */
export function roundCredits(credits: number): number {
  return Math.round(credits * 1000) / 1000;
}
