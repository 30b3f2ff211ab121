import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngineToExit } from '../testing/spawn-engine.ts';

describe('STUDIO_RATES at start-up', () => {
  it('an engine given a rates file that is not a rate table does not start, and says which file and field', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-rates-startup-'));
    try {
      const path = join(home, 'rates.json');
      await writeFile(path, JSON.stringify({ format: 1, cpu_second: 'cheap' }));
      const { code, output } = await runEngineToExit({ STUDIO_HOME: home, STUDIO_RATES: path, STUDIO_LOCAL_WORKER: '0' }, 90_000);
      expect(code).not.toBe(0);
      expect(output).toContain(`STUDIO_RATES ${path} is not a rate table: cpu_second:`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
