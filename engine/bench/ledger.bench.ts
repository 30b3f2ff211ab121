import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LOCAL_ACTOR, type LedgerEntry } from '@studio/node-schemas';
import { REPO_ROOT } from '../src/config.ts';
import { createProject } from '../src/projects/create-project.ts';
import { commitPaths, commitStaged, gitAt } from '../src/projects/git.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { projectPath } from '../src/projects/workspace.ts';
import { BudgetGuard } from '../src/review/budget-guard.ts';
import { LedgerBook } from '../src/review/ledger-book.ts';
import { LEDGER_FILE, readLedger } from '../src/review/ledger-file.ts';
import { ledgerTotals } from '../src/review/ledger-totals.ts';
import { BUILT_IN_RATES } from '../src/review/rates-table.ts';
import { RoomRegistry } from '../src/sync/room-registry.ts';
import { tempWorkspace } from '../src/testing/temp-workspace.ts';
import { median, reporter, round, type BenchResult } from './bench-result.ts';

/** LEDGER_BENCH_QUICK=1: toy sizes, to check the suite itself in seconds. */
const QUICK = process.env.LEDGER_BENCH_QUICK === '1';
const ENTRIES = QUICK ? 500 : 10_000;
const CHARGES = QUICK ? 5 : 20;
const SAMPLES = 5;

function entry(i: number): LedgerEntry {
  const gpu = i % 3 !== 0;
  return {
    format: 1,
    task_id: `gen-bench-${String(i).padStart(8, '0')}`,
    kind: 'generation',
    node_id: `shot-${i % 40}`,
    scene: `SCENE_${String((i % 12) + 1).padStart(2, '0')}`,
    user: i % 5 ? LOCAL_ACTOR : { kind: 'user', id: 'alice', name: 'Alice', tenant: 'local' },
    pipeline: gpu ? 't2v-wan2.1' : 'draft-image',
    quality: 'standard',
    outcome: i % 17 ? 'succeeded' : 'failed',
    tier: gpu ? 24 : null,
    gpu_seconds: gpu ? 30 + (i % 60) : 0,
    cpu_seconds: gpu ? 0 : 2,
    rate: gpu ? 0.3 : 0.01,
    credits: gpu ? round((30 + (i % 60)) * 0.3, 3) : 0.02,
    started_at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    finished_at: new Date(Date.UTC(2026, 10, 1) + i * 60_000 + 30_000).toISOString(),
  };
}

const timed = async (fn: () => Promise<unknown> | unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

/**
 * The cost ledger at 10,000 entries (docs/governance.md#costs): reading and totalling it (what
 * GET .../ledger does), charging one more task (append + commit in the git queue) against a plain
 * commit of one changed file as the baseline, and a budget check before a job is queued.
 */
export async function benchLedger(): Promise<BenchResult[]> {
  const out = reporter('ledger');
  const { workspace, cleanup } = await tempWorkspace();
  const queue = new GitQueue();
  const rooms = new RoomRegistry(workspace, queue, { debounceMs: 100, maxWaitMs: 1000 });
  try {
    const { id } = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: 'Ledger Bench' } });
    const dir = projectPath(workspace, id);
    await mkdir(dirname(join(dir, LEDGER_FILE)), { recursive: true });
    await writeFile(join(dir, LEDGER_FILE), Array.from({ length: ENTRIES }, (_, i) => JSON.stringify(entry(i)) + '\n').join(''));
    await commitPaths(dir, 'bench: a ledger', [LEDGER_FILE]);

    const reads: number[] = [];
    const parses: number[] = [];
    const totals: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      let entries: LedgerEntry[] = [];
      reads.push(await timed(async () => (entries = await readLedger(dir))));
      parses.push(
        await timed(async () =>
          readFile(join(dir, LEDGER_FILE), 'utf8').then((t) =>
            t
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as unknown),
          ),
        ),
      );
      totals.push(await timed(() => ledgerTotals(entries, 100_000, { SCENE_01: 500 })));
    }
    out.measured(`read_${ENTRIES}_plain_json_parse`, round(median(parses)), 'ms', 'baseline');
    out.measured(
      `read_${ENTRIES}_validated`,
      round(median(reads)),
      'ms',
      { op: '<', value: 200 },
      'readLedger: JSON.parse, format migration and the zod schema per line (cold: GET .../ledger then answers from the cache)',
    );
    out.measured(`totals_${ENTRIES}`, round(median(totals)), 'ms', { op: '<', value: 50 });

    const book = new LedgerBook(queue);
    await book.entries(dir);
    const views: number[] = [];
    for (let s = 0; s < SAMPLES * 4; s++) views.push(await timed(async () => ledgerTotals(await book.entries(dir), 100_000, {})));
    out.measured(
      `ledger_view_at_${ENTRIES}`,
      round(median(views)),
      'ms',
      { op: '<', value: 50 },
      'GET .../ledger once the ledger is cached: a stat, the entries, the totals',
    );
    const charges: number[] = [];
    for (let i = 0; i < CHARGES; i++) charges.push(await timed(() => book.record(id, dir, entry(ENTRIES + i))));
    const plain: number[] = [];
    for (let i = 0; i < CHARGES; i++) {
      const file = join(dir, '04_Project_Files/bench.txt');
      plain.push(
        await timed(async () => {
          await appendFile(file, `${i}\n`);
          await gitAt(dir).raw(['add', '--', '04_Project_Files/bench.txt']);
          await commitStaged(dir, `bench ${i}`, ['04_Project_Files/bench.txt']);
        }),
      );
    }
    const baseline = median(plain);
    out.measured('commit_one_changed_file', round(baseline), 'ms', 'baseline');
    out.measured(
      `charge_at_${ENTRIES}`,
      round(median(charges)),
      'ms',
      { op: '<', value: round(baseline * 2 + 20) },
      'background work after a job ends: check the task was not charged, append, git add and commit; grows with the file, which git hashes and compresses whole on each add (the baseline commits a small file)',
    );

    const guard = new BudgetGuard({ rooms, book, rates: BUILT_IN_RATES });
    const room = await rooms.get(id);
    await room.updateProject({ version: room.projectManifest.version, budget: 1e9 });
    const checks: number[] = [];
    for (let i = 0; i < SAMPLES * 4; i++)
      checks.push(
        await timed(() =>
          guard.guard({ kind: 'generation', taskId: `gen-check-${i}`, projectId: id, nodeId: 'shot-1', scene: 'SCENE_01', queue: 'gpu-24@t2v-wan2.1' }),
        ),
      );
    out.measured(
      `budget_check_at_${ENTRIES}`,
      round(median(checks)),
      'ms',
      { op: '<', value: 20 },
      'estimate (ledger mean) and spent, from the cached ledger; added to every submission with a budget',
    );
  } finally {
    await rooms.closeAll();
    await queue.idle();
    await cleanup();
  }
  return out.results;
}
