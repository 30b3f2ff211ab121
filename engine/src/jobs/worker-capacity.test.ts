import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../settings/index.ts';
import { detectGpus } from './worker-capacity.ts';

let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'fake-gpus-'));
  // Test double for nvidia-smi (there is no GPU here): two 80 GB H100s.
  await writeFile(
    join(bin, 'nvidia-smi'),
    '#!/bin/sh\n# Test double: two GPUs.\nprintf "0, NVIDIA H100 80GB HBM3, 81559\\n1, NVIDIA H100 80GB HBM3, 81559\\n"\n',
  );
  await chmod(join(bin, 'nvidia-smi'), 0o755);
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const withSmi = (env: Record<string, string>) => loadSettings({ PATH: `${bin}:/usr/bin:/bin`, ...env });
const without = (env: Record<string, string>) => loadSettings({ PATH: '/nonexistent', ...env });

describe('detectGpus', () => {
  it('detects every GPU nvidia-smi lists, with its VRAM', async () => {
    expect(await detectGpus(withSmi({}))).toEqual([
      { id: '0', name: 'NVIDIA H100 80GB HBM3', vramGB: 79 },
      { id: '1', name: 'NVIDIA H100 80GB HBM3', vramGB: 79 },
    ]);
    expect(await detectGpus(without({}))).toEqual([]);
  });

  it('treats the empty values docker-compose passes as unset, and WORKER_GPUS=all as every GPU', async () => {
    // docker-compose.yml's defaults: ${WORKER_VRAM_GB:-} and ${WORKER_GPUS:-all}.
    expect((await detectGpus(withSmi({ WORKER_VRAM_GB: '', WORKER_GPUS: 'all' }))).map((g) => [g.id, g.vramGB])).toEqual([
      ['0', 79],
      ['1', 79],
    ]);
    // A declared size with "all": every GPU seen, at that size; never a GPU named "all".
    expect((await detectGpus(withSmi({ WORKER_VRAM_GB: '24', WORKER_GPUS: 'all' }))).map((g) => [g.id, g.vramGB])).toEqual([
      ['0', 24],
      ['1', 24],
    ]);
    expect((await detectGpus(without({ WORKER_VRAM_GB: '24', WORKER_GPUS: 'all' }))).map((g) => g.id)).toEqual(['0']);
  });

  it('takes a count or device ids', async () => {
    expect((await detectGpus(without({ WORKER_VRAM_GB: '16', WORKER_GPUS: '2' }))).map((g) => g.id)).toEqual(['0', '1']);
    expect((await detectGpus(withSmi({ WORKER_GPUS: '1' }))).map((g) => g.id)).toEqual(['0']);
    expect((await detectGpus(withSmi({ WORKER_GPUS: '1,7' }))).map((g) => g.id)).toEqual(['1']);
    expect(await detectGpus(withSmi({ WORKER_VRAM_GB: '0' }))).toEqual([]);
    expect(() => without({ WORKER_VRAM_GB: 'lots' })).toThrow('WORKER_VRAM_GB="lots": must be a number');
  });
});
