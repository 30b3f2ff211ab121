import { describe, expect, it } from 'vitest';
import { checked, median, reporter } from './bench-result.ts';

describe('bench results', () => {
  it('compares each value with its target as data and says whether it was met', () => {
    const r = reporter('sync');
    expect(r.measured('p99', 12, 'ms', { op: '<', value: 10 })).toEqual({
      bench: 'sync',
      metric: 'p99',
      value: 12,
      unit: 'ms',
      target: '< 10 ms',
      goal: { op: '<', value: 10 },
      met: false,
    });
    expect(r.measured('rate', 6000, 'edits/s', { op: '>', value: 5000 }).met).toBe(true);
    expect(r.measured('ratio', 1.5, 'ratio', { op: '<=', value: 1.5 }).met).toBe(true);
    expect(r.measured('misplaced', 1, 'jobs', { op: '==', value: 0 }).met).toBe(false);
    expect(r.measured('bare', 40, 'ms', 'baseline')).toMatchObject({ target: 'baseline', met: null });
    expect(r.measured('bytes', 400, 'bytes')).toMatchObject({ target: '', met: null });
    expect(r.results).toHaveLength(6);
  });

  it('prints a figure it could not measure, with the reason, instead of leaving it out', () => {
    const r = reporter('generation');
    expect(r.unmeasured('docker_overhead', 'ms', 'Docker is not available', { op: '<', value: 300 })).toMatchObject({
      value: null,
      met: null,
      unmeasured: 'Docker is not available',
      target: '< 300 ms',
    });
    // An empty sample list has no median: that is not a measurement either.
    expect(r.measured('latency', median([]), 'ms', { op: '<', value: 10 })).toMatchObject({ value: null, met: null, unmeasured: 'the measurement gave NaN' });
  });

  it('recomputes met when printing, and marks a target given only as text as unchecked', () => {
    expect(checked({ bench: 'x', metric: 'm', value: 9, unit: 'ms', target: '< 5 ms', goal: { op: '<', value: 5 }, met: true }).met).toBe(false);
    expect(checked({ bench: 'x', metric: 'm', value: 9, unit: 'ms', target: '< 5 ms' })).toMatchObject({
      met: null,
      note: 'target given as text only, not compared',
    });
    expect(checked({ bench: 'x', metric: 'm', value: null, unit: 'ms', target: '' })).toMatchObject({ met: null, unmeasured: 'no value and no reason given' });
  });
});
