import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIER_LADDER } from '../jobs/gpu-tiers.ts';
import { BUILT_IN_RATES, RatesFileError, gpuRate, loadRateTable, priceUsage } from './rates-table.ts';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'studio-rates-test-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));
const file = async (name: string, text: string) => {
  await writeFile(join(dir, name), text);
  return join(dir, name);
};

describe('the rate table', () => {
  it('is built in for every VRAM tier, costlier the more VRAM, and a CPU-second costs less than the smallest GPU-second', async () => {
    expect(await loadRateTable(undefined)).toBe(BUILT_IN_RATES);
    expect(Object.keys(BUILT_IN_RATES.gpu_second).map(Number)).toEqual([...TIER_LADDER]);
    const rates = TIER_LADDER.map((t) => BUILT_IN_RATES.gpu_second[String(t)]!);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(new Set(rates).size).toBe(rates.length);
    expect(BUILT_IN_RATES.cpu_second).toBeLessThan(rates[0]!);
  });

  it('lays a STUDIO_RATES file over the built-in table: its tiers replace or add, what it leaves out stays', async () => {
    const rates = await loadRateTable(await file('over.json', JSON.stringify({ format: 1, gpu_second: { '24': 2, '200': 9 }, cpu_second: 0.5 })));
    expect(rates.gpu_second['24']).toBe(2);
    expect(rates.gpu_second['200']).toBe(9);
    expect(rates.gpu_second['8']).toBe(BUILT_IN_RATES.gpu_second['8']);
    expect(rates.cpu_second).toBe(0.5);
    expect((await loadRateTable(await file('cpu-only.json', '{"format":1,"cpu_second":3}'))).gpu_second).toEqual(BUILT_IN_RATES.gpu_second);
  });

  it.each([
    ['not JSON', '{"format":1,', /is not JSON/],
    ['a negative rate', '{"format":1,"cpu_second":-1}', /cpu_second: Too small/i],
    ['a tier that is not a whole number of GB', '{"format":1,"gpu_second":{"24GB":1}}', /gpu_second\.24GB: Invalid key/],
    ['an unknown field', '{"format":1,"gpu_seconds":{}}', /\(top level\): Unrecognized key/i],
    ['no format', '{"cpu_second":1}', /format: /],
    ['a newer format', '{"format":2,"cpu_second":1}', /format: /],
  ])('refuses a file with %s, naming the file and the field (INVALID_SETTING: the engine does not start)', async (_what, text, message) => {
    const path = await file('bad.json', text);
    const error = await loadRateTable(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RatesFileError);
    expect((error as RatesFileError).code).toBe('INVALID_SETTING');
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a file that cannot be read, saying why', async () => {
    await expect(loadRateTable(join(dir, 'missing.json'))).rejects.toThrow(/STUDIO_RATES .*missing\.json cannot be read: ENOENT/);
  });

  it('prices GPU-seconds at the tier the job was placed on (an unlisted tier at the next larger one listed) and CPU-seconds at the CPU rate', () => {
    const rates = { gpu_second: { '16': 1, '48': 3 }, cpu_second: 0.25 };
    expect(gpuRate(rates, 16)).toBe(1);
    expect(gpuRate(rates, 12)).toBe(1);
    expect(gpuRate(rates, 24)).toBe(3);
    expect(gpuRate(rates, 141)).toBe(3);
    expect(priceUsage(rates, { tier: 24, seconds: 10 })).toEqual({ rate: 3, credits: 30 });
    expect(priceUsage(rates, { tier: null, seconds: 10 })).toEqual({ rate: 0.25, credits: 2.5 });
    expect(priceUsage(rates, { tier: 16, seconds: 1 / 3 }).credits).toBe(0.333);
  });
});
