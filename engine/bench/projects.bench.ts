import { join } from 'node:path';
import { REPO_ROOT } from '../src/config.ts';
import { createProject } from '../src/projects/create-project.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { ProjectRoom } from '../src/sync/project-room.ts';
import { tempWorkspace } from '../src/testing/temp-workspace.ts';
import { median, reporter, round, type BenchResult } from './bench-result.ts';

function graphOf(nodes: number, salt: number) {
  return {
    nodes: Array.from({ length: nodes }, (_, i) => ({
      id: `shot-${i}`,
      type: 'shot',
      position: { x: (i % 40) * 260 + salt, y: Math.floor(i / 40) * 320 },
      data: {
        scene: `SCENE_${String(1 + Math.floor(i / 40)).padStart(2, '0')}`,
        shot: `SHOT_${String(((i % 40) + 1) * 10).padStart(3, '0')}`,
        prompt: `shot ${i}, take ${salt}`,
      },
    })),
    edges: [],
  };
}

export async function benchProjects(): Promise<BenchResult[]> {
  const { workspace, cleanup } = await tempWorkspace();
  const templatesDir = join(REPO_ROOT, 'templates');
  const queue = new GitQueue();
  try {
    const creation: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await createProject({ workspace, templatesDir, request: { name: `Bench ${i}` } });
      creation.push(performance.now() - t);
    }

    const { id, dir } = await createProject({ workspace, templatesDir, request: { name: 'Save bench' } });
    const room = await ProjectRoom.load({ id, dir, queue });
    let version = 1;
    // What PUT /projects/:id does: validate the whole graph, write it, commit.
    const save = async (salt: number) => {
      const t = performance.now();
      ({ version } = await room.replaceGraph(graphOf(1000, salt), version));
      return performance.now() - t;
    };
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) fresh.push(await save(i));
    while (version < 1000) await save(version);
    const deep: number[] = [];
    for (let i = 0; i < 20; i++) deep.push(await save(version));
    await room.close();
    const freshMs = median(fresh);
    const deepMs = median(deep);
    const r = reporter('projects');
    r.measured('create_project_median', round(median(creation)), 'ms', { op: '<', value: 150 });
    r.measured('save_1000_node_graph_median', round(freshMs), 'ms', { op: '<', value: 60 });
    r.measured('save_1000_node_graph_after_1000_commits_median', round(deepMs), 'ms');
    r.measured('save_after_1000_commits_vs_first', round(deepMs / freshMs), 'ratio', { op: '<', value: 1.5 });
    return r.results;
  } finally {
    await cleanup();
  }
}
