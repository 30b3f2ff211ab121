import { describe, expect, it } from 'vitest';
import { encodeSlots, joinProcesses } from './encode-slots.ts';

describe('encodeSlots', () => {
  it('runs one more encode than cores, single-threaded, when there are many joins', () => {
    expect(encodeSlots(20, 2)).toEqual({ parallel: 3, threads: 1 });
    expect(encodeSlots(20, 16)).toEqual({ parallel: 17, threads: 1 });
  });

  it('gives the cores a few joins leave over to their encoders as threads', () => {
    expect(encodeSlots(2, 16)).toEqual({ parallel: 2, threads: 8 });
    expect(encodeSlots(1, 4)).toEqual({ parallel: 1, threads: 4 });
  });

  it('never asks for less than one encode or one thread', () => {
    expect(encodeSlots(0, 8)).toEqual({ parallel: 1, threads: 8 });
    expect(encodeSlots(5, 0)).toEqual({ parallel: 2, threads: 1 });
  });
});

describe('joinProcesses', () => {
  it('shares many joins among one more process than cores, and never starts more processes than joins', () => {
    expect(joinProcesses(20, 2)).toBe(3);
    expect(joinProcesses(2, 16)).toBe(2);
    expect(joinProcesses(0, 4)).toBe(1);
    expect(joinProcesses(5, 0)).toBe(2);
  });
});
