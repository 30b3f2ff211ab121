import type { LedgerEntry } from '@studio/node-schemas';

/** One step of cumulative spend: the total once the entry that ended at `t` was charged. */
export interface SpendPoint {
  t: number;
  total: number;
}

/** Cumulative spend over time, one point per charged task, in the order they ended; starts at 0 just before the first. */
export function spendSeries(entries: readonly LedgerEntry[]): SpendPoint[] {
  const sorted = [...entries].sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
  if (!sorted.length) return [];
  const points: SpendPoint[] = [{ t: Date.parse(sorted[0]!.started_at ?? sorted[0]!.finished_at), total: 0 }];
  let total = 0;
  for (const e of sorted) points.push({ t: Date.parse(e.finished_at), total: (total += e.credits) });
  return points;
}

/** The chart's frame: where time and credits fall in a width x height box (credits up to the budget when it is higher). */
export function chartScale(points: readonly SpendPoint[], budget: number | null, width: number, height: number) {
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(points[points.length - 1]?.t ?? 1, t0 + 1);
  const top = Math.max(budget ?? 0, points[points.length - 1]?.total ?? 0, 1e-9) * 1.05;
  return { x: (t: number) => ((t - t0) / (t1 - t0)) * width, y: (credits: number) => height - (credits / top) * height, top };
}

/** An SVG path of the cumulative spend as steps (spend jumps when a task is charged and stays level between). */
export function spendPath(points: readonly SpendPoint[], budget: number | null, width: number, height: number): string {
  if (!points.length) return '';
  const { x, y } = chartScale(points, budget, width, height);
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(x(points[0]!.t))},${f(y(points[0]!.total))}`;
  for (let i = 1; i < points.length; i++) d += ` H${f(x(points[i]!.t))} V${f(y(points[i]!.total))}`;
  return d;
}

/**
 * Credits as the panel shows them: at most two decimals, no trailing zeros, thousands grouped.
 * Written out, not toLocaleString: the first Intl call of a page loads the locale data (20-40 ms in
 * Chromium here), and the Costs button calls this while the canvas opens.
 */
export function formatCredits(credits: number): string {
  const cents = Math.round(Math.abs(credits) * 100);
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  const fraction = String(cents % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${credits < 0 && cents > 0 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
