import { describe, expect, it } from 'vitest';
import { secondsLeft, timeLeftLabel } from './progress-eta';

describe('time left of a task', () => {
  const mark = { taskId: 't', at: 10_000, progress: 10 };

  it('goes by the pace since progress was first seen', () => {
    // 20 points in 4 s: 70 points to go take 14 s.
    expect(secondsLeft({ mark, now: 14_000, progress: 30 })).toBeCloseTo(14);
    expect(secondsLeft({ mark, now: 20_000, progress: 100 })).toBe(0);
  });

  it('says nothing until there is a pace', () => {
    expect(secondsLeft({ mark: null, now: 14_000, progress: 30 })).toBeNull();
    expect(secondsLeft({ mark, now: 14_000, progress: null })).toBeNull();
    expect(secondsLeft({ mark, now: 14_000, progress: 10.5 })).toBeNull();
    expect(secondsLeft({ mark, now: 10_200, progress: 40 })).toBeNull();
  });

  it('reads as words', () => {
    expect(timeLeftLabel(null)).toBeNull();
    expect(timeLeftLabel(0.4)).toBe('almost done');
    expect(timeLeftLabel(41.6)).toBe('about 42 s left');
    expect(timeLeftLabel(125)).toBe('about 2 min 5 s left');
    expect(timeLeftLabel(180)).toBe('about 3 min left');
  });
});
