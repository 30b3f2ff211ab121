import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngineToExit } from '../../testing/spawn-engine.ts';
import { FAULT_POINTS, armedFaultPoint } from './fault-point.ts';

describe('fault injection points (tests only)', () => {
  it('are off by default, armed only under vitest, and only for a known point with a marker file', () => {
    expect(armedFaultPoint({})).toBeNull();
    expect(armedFaultPoint({ VITEST: 'true', STUDIO_FAULT_PAUSE: FAULT_POINTS.workerMidPush, STUDIO_FAULT_MARKER: '/tmp/m' })).toEqual({
      point: 'worker:mid-push',
      marker: '/tmp/m',
    });
    expect(() => armedFaultPoint({ STUDIO_FAULT_PAUSE: FAULT_POINTS.bringInBeforeCommit, STUDIO_FAULT_MARKER: '/tmp/m' })).toThrow(/refused outside tests/);
    expect(() => armedFaultPoint({ VITEST: 'true', STUDIO_FAULT_PAUSE: 'bring-in:somewhere', STUDIO_FAULT_MARKER: '/tmp/m' })).toThrow(/names no fault point/);
    expect(() => armedFaultPoint({ VITEST: 'true', STUDIO_FAULT_PAUSE: FAULT_POINTS.bringInBeforeDropRef })).toThrow(/needs STUDIO_FAULT_MARKER/);
  });

  it('an engine given a fault point outside a test run refuses to start', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-fault-refused-'));
    try {
      // runEngineToExit passes only the variables named here: no VITEST.
      const { code, output } = await runEngineToExit(
        { STUDIO_HOME: home, PATH: process.env.PATH ?? '', STUDIO_FAULT_PAUSE: FAULT_POINTS.bringInBeforeCommit, STUDIO_FAULT_MARKER: join(home, 'marker') },
        60_000,
      );
      expect(code).not.toBe(0);
      expect(output).toMatch(/STUDIO_FAULT_PAUSE is a test-only fault injection hook and is refused outside tests/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);
});
