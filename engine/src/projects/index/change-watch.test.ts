import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.ts';
import { tempWorkspace } from '../../testing/temp-workspace.ts';
import { createProject } from '../create-project.ts';
import type { Workspace } from '../workspace.ts';
import { ChangeWatch, changesDelivered } from './change-watch.ts';

const templatesDir = join(REPO_ROOT, 'templates');
let workspace: Workspace;
let cleanup: () => Promise<void>;
let watch: ChangeWatch;
let heard: { list: Array<string | null>; projects: string[] };
beforeEach(async () => {
  ({ workspace, cleanup } = await tempWorkspace());
  heard = { list: [], projects: [] };
  watch = new ChangeWatch(workspace.projectsDir, { listChanged: (name) => heard.list.push(name), projectChanged: (id) => heard.projects.push(id) });
});
afterEach(async () => {
  watch.close();
  await cleanup();
});

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: dir, encoding: 'utf8' });

describe('change watch', () => {
  it('hears a commit made by another process once changesDelivered() resolves, and not a git read', async () => {
    const { id, dir } = await createProject({ workspace, templatesDir, request: { name: 'Watched' } });
    expect(watch.start()).toBe(true);
    expect(watch.watchProject(id)).toBe(true);

    git(dir, 'status', '--porcelain');
    git(dir, 'log', '-1');
    await changesDelivered();
    expect(heard.projects).toEqual([]);

    git(dir, 'commit', '-q', '--allow-empty', '-m', 'behind the engine');
    await changesDelivered();
    expect(heard.projects).toContain(id);
  });

  it('hears a branch switch, packed refs, project.json written in place, and a project folder coming', async () => {
    const { id, dir } = await createProject({ workspace, templatesDir, request: { name: 'Branches' } });
    watch.start();
    watch.watchProject(id);
    git(dir, 'checkout', '-q', '-b', 'other');
    await changesDelivered();
    expect(heard.projects).toContain(id);

    heard.projects = [];
    watch.watchProject(id); // the index watches again after each change it checks
    git(dir, 'pack-refs', '--all');
    await changesDelivered();
    expect(heard.projects).toContain(id);

    heard.projects = [];
    await writeFile(join(dir, 'project.json'), '{}');
    await changesDelivered();
    expect(heard.projects).toContain(id);

    await createProject({ workspace, templatesDir, request: { name: 'Arrives' } });
    await changesDelivered();
    expect(heard.list.length).toBeGreaterThan(0);
  });

  it('reports a project whose folder cannot be watched as not watched', async () => {
    expect(watch.watchProject('not-there')).toBe(false);
    expect(watch.watching('not-there')).toBe(false);
  });
});
