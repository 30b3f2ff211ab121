import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LOCAL_ACTOR, ProjectAnswer, ProjectDetail, ProjectHistory, RestoredCanvas, type ServerMessage } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext } from '../server/context.ts';
import { projectWithHistory } from '../testing/history-fixture.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { commitStaged, runGit } from './git.ts';
import { canvasChanges } from './history/change-cache.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const dirOf = (id: string) => join(ctx.workspace.projectsDir, id);
const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
  app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
const history = async (id: string, query = '') => ProjectHistory.parse((await call('GET', `/api/v1/projects/${id}/history${query}`)).json());
const detail = async (id: string) => ProjectDetail.parse((await call('GET', `/api/v1/projects/${id}`)).json());

const shot = (id: string, prompt: string) => ({ id, type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt } });
const pipeline = { id: 'p', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'flux-schnell' } };
const edge = { id: 'e', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' };

async function put(id: string, nodes: unknown[], edges: unknown[] = []): Promise<void> {
  const res = await call('PUT', `/api/v1/projects/${id}`, { graph: { nodes, edges }, version: (await detail(id)).version });
  expect(res.statusCode, res.body).toBe(200);
}

describe('history', () => {
  let id = '';
  beforeAll(async () => {
    id = ProjectAnswer.parse((await call('POST', '/api/v1/projects', { name: 'Lighthouse' })).json()).id;
    await put(id, [shot('a', 'dawn'), pipeline], [edge]);
    expect((await call('PATCH', `/api/v1/projects/${id}`, { description: 'keeper', version: (await detail(id)).version })).statusCode).toBe(200);
    const dir = dirOf(id);
    await mkdir(join(dir, '03_Renders/SCENE_01/SHOT_010'), { recursive: true });
    await writeFile(join(dir, '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png'), 'png');
    await runGit(dir, ['add', '--', '03_Renders']);
    await commitStaged(dir, 'Take 1', undefined, LOCAL_ACTOR);
    await put(id, [shot('a', 'dusk'), shot('b', 'gulls')]);
  });

  it('shows who made each commit and what it did to the canvas, null where no node or edge changed', async () => {
    const entries = await history(id);
    expect(entries.map((e) => e.message.split(':')[0])).toEqual(['Save canvas', 'Take 1', 'Update project', 'Save canvas', 'Create project']);
    for (const entry of entries) expect(entry.actor).toEqual(LOCAL_ACTOR);
    expect(entries[0]!.canvas).toEqual({
      added: [{ id: 'b', type: 'shot', label: 'SCENE_01/SHOT_010' }],
      changed: [{ id: 'a', type: 'shot', label: 'SCENE_01/SHOT_010', fields: ['data.prompt'] }],
      removed: [{ id: 'p', type: 'pipeline', label: 'flux-schnell' }],
      edges: { added: 0, removed: 1 },
    });
    expect(entries[1]!.canvas).toBeNull();
    expect(entries[2]!.canvas).toBeNull();
    expect(entries[3]!.canvas).toMatchObject({ added: [{ id: 'a' }, { id: 'p' }], changed: [], removed: [], edges: { added: 1, removed: 0 } });
    // The first commit writes the empty canvas: no node or edge changed.
    expect(entries[4]!.canvas).toBeNull();
  });

  it('pages, and answers the same from its cache as from git', async () => {
    const all = await history(id);
    expect(await history(id, '?limit=2&skip=1')).toEqual(all.slice(1, 3));
    canvasChanges.clear();
    expect(await history(id, '?limit=2&skip=1')).toEqual(all.slice(1, 3));
    expect(await history(id, '?skip=50')).toEqual([]);
    for (const q of ['?limit=0', '?limit=5000', '?skip=-1']) expect((await call('GET', `/api/v1/projects/${id}/history${q}`)).statusCode).toBe(400);
  });

  it('reads a page of a long history: each save with the nodes it changed; commits made outside the studio have no actor', async () => {
    const long = await projectWithHistory(ctx.workspace, ctx.templatesDir, 'Long', { commits: 300, nodes: 4 });
    const page = await history(long, '?limit=50&skip=100');
    expect(page).toHaveLength(50);
    for (const entry of page) {
      expect(entry.actor).toBeNull();
      expect(entry.author).toBe('Studio Engine');
      expect(entry.canvas!.changed.map((c) => [c.id, c.fields])).toEqual([0, 1, 2, 3].map((n) => [`n${n}`, ['data.prompt']]));
    }
  });
});

describe('restore', () => {
  it('makes the canvas of an earlier commit current as a NEW commit, tells connected clients, and leaves takes alone', async () => {
    const id = ProjectAnswer.parse((await call('POST', '/api/v1/projects', { name: 'Restore me' })).json()).id;
    await put(id, [shot('a', 'first'), pipeline], [edge]);
    const earlier = git(dirOf(id), 'rev-parse', 'HEAD');
    const earlierGraph = await detail(id);
    await mkdir(join(dirOf(id), '03_Renders/SCENE_01/SHOT_010'), { recursive: true });
    await writeFile(join(dirOf(id), '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png'), 'png');
    await runGit(dirOf(id), ['add', '--', '03_Renders']);
    await commitStaged(dirOf(id), 'Take 1');
    await put(id, [shot('a', 'second'), shot('b', 'extra')]);
    const headBefore = git(dirOf(id), 'rev-parse', 'HEAD');
    const commitsBefore = Number(git(dirOf(id), 'rev-list', '--count', 'HEAD'));

    const room = await ctx.rooms.get(id);
    const heard: ServerMessage[] = [];
    room.clients.add({ id: 'watcher', send: (m) => heard.push(JSON.parse(m)) });
    const res = await call('POST', `/api/v1/projects/${id}/restore`, { commit: earlier.slice(0, 8) });
    expect(res.statusCode, res.body).toBe(200);
    const restored = RestoredCanvas.parse(res.json());
    expect(restored.restored_from).toBe(earlier);

    const dir = dirOf(id);
    expect(Number(git(dir, 'rev-list', '--count', 'HEAD'))).toBe(commitsBefore + 1);
    expect(git(dir, 'rev-parse', 'HEAD^')).toBe(headBefore);
    expect(restored.commit).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(dir, 'log', '-1', '--format=%s')).toMatch(
      new RegExp(`^Restore canvas from ${earlier.slice(0, 7)} \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)`),
    );
    expect(git(dir, 'log', '-1', '--format=%ae')).toBe('local.local@local.studio');
    const now = await detail(id);
    expect(now.graph.nodes).toEqual(earlierGraph.graph.nodes);
    expect(now.graph.edges).toEqual(earlierGraph.graph.edges);
    expect(now.version).toBe(restored.version);
    expect(JSON.parse(git(dir, 'show', `HEAD:02_Source_Creative/Canvases/main_canvas.json`)).nodes).toEqual(earlierGraph.graph.nodes);
    expect(await readFile(join(dir, '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png'), 'utf8')).toBe('png');
    expect(heard.find((m) => m.type === 'server:full_sync')).toMatchObject({ graph: { nodes: earlierGraph.graph.nodes }, serverClock: restored.version });
    const [top] = await history(id, '?limit=1');
    expect(top!.canvas).toMatchObject({ removed: [{ id: 'b' }], added: [{ id: 'p' }], changed: [{ id: 'a', fields: ['data.prompt'] }] });
  });

  it('refuses a bad commit with 400, an unknown one with 404, and changes nothing', async () => {
    const id = ProjectAnswer.parse((await call('POST', '/api/v1/projects', { name: 'Untouched' })).json()).id;
    const head = git(dirOf(id), 'rev-parse', 'HEAD');
    for (const body of [{}, { commit: 'HEAD' }, { commit: '-p' }, { commit: 'abc' }, { commit: head, extra: true }])
      expect((await call('POST', `/api/v1/projects/${id}/restore`, body)).statusCode, JSON.stringify(body)).toBe(400);
    const unknown = await call('POST', `/api/v1/projects/${id}/restore`, { commit: 'cafebabe' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('COMMIT_NOT_FOUND');
    expect((await call('POST', '/api/v1/projects/missing/restore', { commit: head })).statusCode).toBe(404);
    expect(git(dirOf(id), 'rev-parse', 'HEAD')).toBe(head);
  });
});
