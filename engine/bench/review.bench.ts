import { join } from 'node:path';
import { REPO_ROOT } from '../src/config.ts';
import { createProject } from '../src/projects/create-project.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { ProjectReview } from '../src/review/project-review.ts';
import { writeSceneRecords } from '../src/review/scene-records.ts';
import { RoomRegistry } from '../src/sync/room-registry.ts';
import { tempWorkspace } from '../src/testing/temp-workspace.ts';
import { reporter, round, type BenchResult } from './bench-result.ts';

const EDITS = 20_000;
const NODES = 200;

/** Client edit batches a room applies per second, in process: bare, with the review state, and with an approved scene to guard. */
async function editsPerSecond(mode: 'bare' | 'review' | 'approved'): Promise<number> {
  const { workspace, cleanup } = await tempWorkspace();
  const queue = new GitQueue();
  const rooms = new RoomRegistry(workspace, queue, { debounceMs: 600, maxWaitMs: 10_000 });
  try {
    const created = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: `review bench ${mode}` } } as Parameters<
      typeof createProject
    >[0]);
    const room = await rooms.get(created.id);
    if (mode === 'approved') await writeSceneRecords(room.dir, { SCENE_09: { status: 'approved', budget: null } });
    if (mode !== 'bare') ProjectReview.attach(room, queue);
    const client = { id: 'bench-client-1', send: () => undefined };
    const nodes = Array.from({ length: NODES }, (_, i) => ({
      id: `n${i}`,
      type: 'shot',
      position: { x: i, y: 0 },
      data: { scene: 'SCENE_01', shot: 'SHOT_010' },
    }));
    room.applyClientEdits(
      client,
      0,
      nodes.map((node) => ({ op: 'add_node' as const, node })),
    );
    const t0 = performance.now();
    for (let i = 1; i <= EDITS; i++) room.applyClientEdits(client, i, [{ op: 'update_node', id: `n${i % NODES}`, changes: { data: { prompt: `take ${i}` } } }]);
    const seconds = (performance.now() - t0) / 1000;
    await room.close();
    return EDITS / seconds;
  } finally {
    await queue.idle();
    await cleanup();
  }
}

/**
 * What the review state (approved-scene edit guard, canvas event log) costs a room: edit batches
 * applied per second without it (the baseline), with it, and with an approved scene to check.
 * Best of three runs each, interleaved, so a busy machine affects all three alike.
 */
export async function benchReview(): Promise<BenchResult[]> {
  const r = reporter('review');
  const best = { bare: 0, review: 0, approved: 0 };
  for (let run = 0; run < 3; run++) for (const mode of ['bare', 'review', 'approved'] as const) best[mode] = Math.max(best[mode], await editsPerSecond(mode));
  return [
    r.measured('room_edits_per_s_bare', round(best.bare, 0), 'edits/s', 'baseline'),
    r.measured('room_edits_per_s_with_review', round(best.review, 0), 'edits/s', { op: '>', value: 10_000 }),
    r.measured('room_edits_per_s_with_approved_scene', round(best.approved, 0), 'edits/s', { op: '>', value: 10_000 }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const row of await benchReview()) console.log(JSON.stringify(row));
