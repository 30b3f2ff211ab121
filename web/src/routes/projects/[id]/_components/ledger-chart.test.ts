import { describe, expect, it } from 'vitest';
import { LOCAL_ACTOR, type LedgerEntry } from '@studio/node-schemas';
import { chartScale, formatCredits, spendPath, spendSeries } from './ledger-chart';

const entry = (task: string, started: string, finished: string, credits: number): LedgerEntry => ({
  format: 1,
  task_id: task,
  kind: 'generation',
  node_id: 'shot-1',
  scene: 'SCENE_01',
  user: LOCAL_ACTOR,
  pipeline: 'test-noop',
  quality: 'standard',
  outcome: 'succeeded',
  tier: null,
  gpu_seconds: 0,
  cpu_seconds: 1,
  rate: 1,
  credits,
  started_at: started,
  finished_at: finished,
});

describe('the Costs chart', () => {
  it('draws cumulative spend as steps, in the order tasks ended, from 0 before the first', () => {
    const entries = [entry('b', '2026-12-01T10:00:05Z', '2026-12-01T10:00:10Z', 3), entry('a', '2026-12-01T10:00:00Z', '2026-12-01T10:00:02Z', 1)];
    const points = spendSeries(entries);
    expect(points.map((p) => p.total)).toEqual([0, 1, 4]);
    expect(points[0]!.t).toBe(Date.parse('2026-12-01T10:00:00Z'));
    // 100 x 50 box, budget 10 sets the top (10.5): x over 10 s, y down from 50.
    expect(spendPath(points, 10, 100, 50)).toBe('M0,50 H20 V45.2 H100 V31');
    expect(chartScale(points, null, 100, 50).top).toBeCloseTo(4.2);
    expect(spendPath([], 10, 100, 50)).toBe('');
  });

  it('writes credits with at most two decimals', () => {
    expect(formatCredits(1234.5678)).toBe('1,234.57');
    expect(formatCredits(2)).toBe('2');
  });

  it('writes credits as en-US toLocaleString with two decimals would', () => {
    const values = [0, 0.004, 0.005, 0.1, 0.5, 0.999, 1.05, 12.3, 999.999, 1000, 54321.09, 1234567.891, 9.995, -3.456, -1200.5];
    for (const v of values) expect(formatCredits(v), String(v)).toBe((Math.round(v * 100) / 100).toLocaleString('en-US', { maximumFractionDigits: 2 }));
    expect(formatCredits(-0.001)).toBe('0');
  });
});
