import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.ts';
import { projectWithHistory } from '../../testing/history-fixture.ts';
import { tempWorkspace } from '../../testing/temp-workspace.ts';
import { createProject } from '../create-project.ts';
import { commitStaged, runGit } from '../git.ts';
import { MANIFEST_FILE } from '../layout.ts';
import { readManifest } from '../manifest-file.ts';
import { persistProject } from '../persist-project.ts';
import type { Workspace } from '../workspace.ts';
import { changesDelivered } from './change-watch.ts';
import { WorkspaceIndex } from './workspace-index.ts';

const templatesDir = join(REPO_ROOT, 'templates');
let workspace: Workspace;
let cleanup: () => Promise<void>;
let opened: WorkspaceIndex[] = [];
beforeEach(async () => ({ workspace, cleanup } = await tempWorkspace()));
afterEach(async () => {
  await Promise.all(opened.map((index) => index.close()));
  opened = [];
  await cleanup();
});

function openIndex(): WorkspaceIndex {
  const index = new WorkspaceIndex(workspace);
  opened.push(index);
  return index;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
const byId = async (index: WorkspaceIndex, id: string) => (await index.projects()).find((p) => p.id === id);

/** A take file committed the way the take committer does: placed, staged, commitStaged with its paths. */
async function commitTake(dir: string, path: string, { namePaths = true } = {}): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), 'not really a picture');
  await runGit(dir, ['add', '--', path]);
  await commitStaged(dir, `Take ${path}`, namePaths ? [path] : undefined);
}

describe('workspace index', () => {
  it("follows the engine's own commits: title, last change, counts and latest picture take", async () => {
    const index = openIndex();
    const { id, dir } = await createProject({ workspace, templatesDir, request: { name: 'Harbour' } });
    const first = await byId(index, id);
    expect(first).toMatchObject({ manifest: { title: 'Harbour' }, commits: 1, takes: 0, latestTake: null });

    const manifest = { ...(await readManifest(dir)), title: 'Harbour at night', version: 2 };
    await persistProject({ dir, manifest, graph: { nodes: [], edges: [] }, message: 'Rename' });
    await commitTake(dir, '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png');
    await commitTake(dir, '03_Renders/SCENE_01/SHOT_010/SHOT-010_AUDIO_v01_take01.wav', { namePaths: false });
    await commitTake(dir, '03_Renders/SCENE_01/SHOT_020/SHOT-020_v01_take01.webp', { namePaths: false });

    const after = await byId(index, id);
    expect(after).toMatchObject({ manifest: { title: 'Harbour at night', version: 2 }, commits: 5, takes: 3 });
    expect(after!.latestTake).toBe('03_Renders/SCENE_01/SHOT_020/SHOT-020_v01_take01.webp');
    expect(after!.head).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    expect(after!.updatedAt! >= first!.updatedAt!).toBe(true);
  });

  it("reads a repository again when a commit was made behind the engine's back", async () => {
    const index = openIndex();
    const { id, dir } = await createProject({ workspace, templatesDir, request: { name: 'Outside' } });
    expect((await byId(index, id))!.commits).toBe(1);

    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, title: 'Edited by hand' }));
    await mkdir(join(dir, '03_Renders/SCENE_02/SHOT_020'), { recursive: true });
    await writeFile(join(dir, '03_Renders/SCENE_02/SHOT_020/SHOT-020_v01_take07.jpg'), 'jpg');
    git(dir, 'add', '.');
    git(dir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'by hand');

    expect(await byId(index, id)).toMatchObject({
      manifest: { title: 'Edited by hand' },
      commits: 2,
      takes: 1,
      latestTake: '03_Renders/SCENE_02/SHOT_020/SHOT-020_v01_take07.jpg',
      head: git(dir, 'rev-parse', 'HEAD').trim(),
    });
  });

  it('re-reads project.json changed on disk without a commit, and drops a project that is gone', async () => {
    const index = openIndex();
    const a = await createProject({ workspace, templatesDir, request: { name: 'Alpha' } });
    const b = await createProject({ workspace, templatesDir, request: { name: 'Beta' } });
    expect((await index.projects()).map((p) => p.id).sort()).toEqual([a.id, b.id]);
    const manifest = JSON.parse(await readFile(join(a.dir, MANIFEST_FILE), 'utf8'));
    await writeFile(join(a.dir, MANIFEST_FILE), JSON.stringify({ ...manifest, description: 'changed on disk' }));
    execFileSync('rm', ['-rf', b.dir]);
    const listed = await index.projects();
    expect(listed.map((p) => p.id)).toEqual([a.id]);
    expect(listed[0]!.manifest.description).toBe('changed on disk');
  });

  it('after a first list, sees a project folder replaced by another one and a project copied in', async () => {
    const index = openIndex();
    const a = await createProject({ workspace, templatesDir, request: { name: 'Original' } });
    const b = await createProject({ workspace, templatesDir, request: { name: 'Replacement' } });
    git(b.dir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'second');
    expect((await byId(index, a.id))!.manifest.title).toBe('Original');
    // Watches are set up in the background after a first list, and each project checked once more: from here on only a watch makes a list look.
    await changesDelivered();
    await index.projects();

    execFileSync('rm', ['-rf', a.dir]);
    execFileSync('cp', ['-r', b.dir, a.dir]);
    execFileSync('cp', ['-r', b.dir, join(workspace.projectsDir, 'copied-in')]);
    const listed = await index.projects();
    expect(listed.find((p) => p.id === a.id)).toMatchObject({ manifest: { title: 'Replacement' }, commits: 2 });
    expect(listed.find((p) => p.id === 'copied-in')).toMatchObject({ manifest: { title: 'Replacement' }, commits: 2 });

    git(a.dir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'third, in the replaced folder');
    expect((await byId(index, a.id))!.commits).toBe(3);
  });

  it('starts warm from the file it saved: a restart trusts entries whose HEAD did not move', async () => {
    const { id } = await createProject({ workspace, templatesDir, request: { name: 'Warm' } });
    const first = openIndex();
    await first.projects();
    await first.save();
    const file = join(workspace.home, '.index', 'projects.json');
    const saved = JSON.parse(await readFile(file, 'utf8'));
    // Only an entry taken from the file, not from git, can say this.
    saved.entries[id].commits = 41;
    await writeFile(file, JSON.stringify(saved));
    expect((await byId(openIndex(), id))!.commits).toBe(41);

    await writeFile(file, '{"version": 1, "entries": {"x": {"head": 3}}}');
    expect((await byId(openIndex(), id))!.commits).toBe(1);
  });

  it('indexes a project of 1,000 commits with no picture take, and finds a picture take deep in history', async () => {
    const index = openIndex();
    const id = await projectWithHistory(workspace, templatesDir, 'Long', { commits: 1000 });
    expect(await byId(index, id)).toMatchObject({ commits: 1001, takes: 0, latestTake: null });

    const dir = join(workspace.projectsDir, id);
    await commitTake(dir, '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png');
    const deep = await projectWithHistory(workspace, templatesDir, 'Deep', { commits: 0 });
    const deepDir = join(workspace.projectsDir, deep);
    await mkdir(join(deepDir, '03_Renders/SCENE_01/SHOT_030'), { recursive: true });
    await writeFile(join(deepDir, '03_Renders/SCENE_01/SHOT_030/SHOT-030_v02_take03.webp'), 'webp');
    git(deepDir, 'add', '.');
    git(deepDir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'picture first');
    for (let i = 0; i < 30; i++) git(deepDir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', `later ${i}`);

    const fresh = openIndex();
    expect(await byId(fresh, id)).toMatchObject({ commits: 1002, takes: 1, latestTake: '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png' });
    expect(await byId(fresh, deep)).toMatchObject({ commits: 32, latestTake: '03_Renders/SCENE_01/SHOT_030/SHOT-030_v02_take03.webp' });
  });
});
