import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { projectWithHistory } from '../testing/history-fixture.ts';
import { tempWorkspace } from '../testing/temp-workspace.ts';
import { estimateLooseObjects, maintainRepository, MaintenanceScheduler } from './git-maintenance.ts';
import { GitQueue } from './git-queue.ts';
import { readManifest } from './manifest-file.ts';
import { persistProject } from './persist-project.ts';
import type { Workspace } from './workspace.ts';

const templatesDir = join(REPO_ROOT, 'templates');
let workspace: Workspace;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ workspace, cleanup } = await tempWorkspace()));
afterEach(() => cleanup());

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
const looseCount = (dir: string) => Number(/^count: (\d+)$/m.exec(git(dir, 'count-objects', '-v'))![1]);

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('git maintenance', () => {
  it('packs a long history of loose objects and keeps every commit', async () => {
    const id = await projectWithHistory(workspace, templatesDir, 'Loose', { commits: 400, loose: true });
    const dir = join(workspace.projectsDir, id);
    expect(looseCount(dir)).toBeGreaterThan(2000);
    expect(estimateLooseObjects(dir)).toBeGreaterThan(0);
    const head = git(dir, 'rev-parse', 'HEAD');
    await maintainRepository(dir);
    expect(looseCount(dir)).toBeLessThan(20);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(Number(git(dir, 'rev-list', '--count', 'HEAD'))).toBe(401);
    expect(() => git(dir, 'fsck', '--no-progress')).not.toThrow();
  });

  it("runs in the project's queue once the project has gone idle after enough commits", async () => {
    const queue = new GitQueue();
    const scheduler = new MaintenanceScheduler(workspace, queue, { idleMs: 100, commitsBetween: 3, looseObjectsThreshold: 1e9 });
    try {
      const id = await projectWithHistory(workspace, templatesDir, 'Busy', { commits: 0 });
      const dir = join(workspace.projectsDir, id);
      const manifest = await readManifest(dir);
      for (let i = 0; i < 3; i++) {
        await queue.run(id, () => persistProject({ dir, manifest: { ...manifest, version: 2 + i }, graph: { nodes: [], edges: [] }, message: `save ${i}` }));
      }
      expect(looseCount(dir)).toBeGreaterThan(10);
      await until(() => scheduler.runs.get(id) === 1, 'maintenance');
      expect(looseCount(dir)).toBe(0);
      expect(Number(git(dir, 'rev-list', '--count', 'HEAD'))).toBe(4);
    } finally {
      await scheduler.close();
    }
  });

  it('at start-up, maintains the projects that hold many loose objects already, and only those', async () => {
    const queue = new GitQueue();
    const scheduler = new MaintenanceScheduler(workspace, queue, { idleMs: 60_000, commitsBetween: 1e9, looseObjectsThreshold: 512 });
    try {
      const loose = await projectWithHistory(workspace, templatesDir, 'Old', { commits: 300, loose: true });
      const packed = await projectWithHistory(workspace, templatesDir, 'Packed', { commits: 300 });
      scheduler.checkProjects([loose, packed]);
      await until(() => scheduler.runs.get(loose) === 1, 'maintenance of the loose project');
      expect(looseCount(join(workspace.projectsDir, loose))).toBeLessThan(20);
      expect(scheduler.runs.has(packed)).toBe(false);
    } finally {
      await scheduler.close();
    }
  });
});
