import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_ACTOR, type LedgerEntry } from '@studio/node-schemas';
import { LEDGER_FILE, appendLedgerEntry, readLedger } from './ledger-file.ts';
import { ledgerTotals } from './ledger-totals.ts';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'studio-ledger-file-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const alice = { kind: 'user' as const, id: 'alice', name: 'Alice', tenant: 'acme' };
function entry(over: Partial<LedgerEntry>): LedgerEntry {
  return {
    format: 1,
    task_id: 'gen-0000000001',
    kind: 'generation',
    node_id: 'shot-1',
    scene: 'SCENE_01',
    user: LOCAL_ACTOR,
    pipeline: 'test-gpu-sleep',
    quality: 'standard',
    outcome: 'succeeded',
    tier: 16,
    gpu_seconds: 10,
    cpu_seconds: 0,
    rate: 0.2,
    credits: 2,
    started_at: '2026-12-01T10:00:00.000Z',
    finished_at: '2026-12-01T10:00:10.000Z',
    ...over,
  };
}

describe('the ledger file', () => {
  it('appends one line per entry and reads them back in order; a missing file is an empty ledger', async () => {
    expect(await readLedger(dir)).toEqual([]);
    const a = entry({});
    const b = entry({ task_id: 'gen-0000000002', tier: null, gpu_seconds: 0, cpu_seconds: 4, rate: 0.01, credits: 0.04 });
    await appendLedgerEntry(dir, a);
    await appendLedgerEntry(dir, b);
    expect(await readLedger(dir)).toEqual([a, b]);
    expect((await readFile(join(dir, LEDGER_FILE), 'utf8')).split('\n')).toHaveLength(3);
  });

  it('leaves out a last line a crash cut short, and the next append cuts it off instead of gluing onto it', async () => {
    await appendLedgerEntry(dir, entry({}));
    await appendFile(join(dir, LEDGER_FILE), '{"format":1,"task_id":"gen-torn');
    expect(await readLedger(dir)).toHaveLength(1);
    await appendLedgerEntry(dir, entry({ task_id: 'gen-0000000003' }));
    expect((await readLedger(dir)).map((e) => e.task_id)).toEqual(['gen-0000000001', 'gen-0000000003']);
  });

  it('refuses a corrupt line (CORRUPT_PROJECT, naming it) and a line from a newer studio (FORMAT_TOO_NEW), and an entry that breaks the schema is never written', async () => {
    await mkdir(dirname(join(dir, LEDGER_FILE)), { recursive: true });
    await writeFile(join(dir, LEDGER_FILE), `${JSON.stringify(entry({}))}\nnot json\n`);
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'CORRUPT_PROJECT', data: { line: 2 } });
    await writeFile(join(dir, LEDGER_FILE), `${JSON.stringify({ ...entry({}), format: 2 })}\n`);
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'FORMAT_TOO_NEW' });
    await writeFile(join(dir, LEDGER_FILE), '');
    await expect(appendLedgerEntry(dir, { ...entry({}), credits: -1 })).rejects.toThrow();
    expect(await readFile(join(dir, LEDGER_FILE), 'utf8')).toBe('');
  });
});

describe('ledger totals', () => {
  it('sums spend per scene (with its budget and what is left), per user and per UTC day, and GPU-seconds per tier', () => {
    const entries = [
      entry({ task_id: 'a', credits: 2, gpu_seconds: 10, tier: 16 }),
      entry({ task_id: 'b', credits: 6, gpu_seconds: 20, tier: 24, rate: 0.3, user: alice, scene: 'SCENE_02', finished_at: '2026-12-02T00:00:01.000Z' }),
      entry({ task_id: 'c', credits: 0.5, gpu_seconds: 0, cpu_seconds: 50, tier: null, rate: 0.01, user: alice, scene: null, kind: 'render' }),
      entry({ task_id: 'd', credits: 1, gpu_seconds: 5, tier: 16, scene: 'SCENE_10', outcome: 'failed' }),
    ];
    const totals = ledgerTotals(entries, 20, { SCENE_01: 3, SCENE_02: null, SCENE_03: 4 });
    expect(totals).toEqual({
      spent: 9.5,
      budget: 20,
      left: 10.5,
      gpu_seconds_by_tier: { '16': 15, '24': 20 },
      cpu_seconds: 50,
      by_scene: [
        { scene: 'SCENE_01', credits: 2, budget: 3, left: 1 },
        { scene: 'SCENE_02', credits: 6, budget: null, left: null },
        { scene: 'SCENE_03', credits: 0, budget: 4, left: 4 },
        { scene: 'SCENE_10', credits: 1, budget: null, left: null },
        { scene: null, credits: 0.5, budget: null, left: null },
      ],
      by_user: [
        { user: alice, credits: 6.5 },
        { user: LOCAL_ACTOR, credits: 3 },
      ],
      by_day: [
        { day: '2026-12-01', credits: 3.5 },
        { day: '2026-12-02', credits: 6 },
      ],
    });
    expect(ledgerTotals([], null, {})).toMatchObject({ spent: 0, budget: null, left: null, by_scene: [], by_day: [] });
    expect(ledgerTotals(entries, 5, {}).left).toBe(-4.5);
  });
});
