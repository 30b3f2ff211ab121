import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../projects/workspace.ts';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import { EVENTS_FILE, SCENES_FILE } from './review-paths.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let base: string;
let id: string;
const BROKEN_SCENES = '{"format": 1, "scenes": {"SCENE_01": {"status": "finished"';
const BROKEN_LOG = '{"format":1,"seq":1,"type":"SceneApproved","actor":null,"time":"t","payload":{}}\nnot json at all\n{"format":1}\n';

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp({}, { debounceMs: 20, maxWaitMs: 200 }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  id = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Broken review' } })).json().id;
  const graph = { nodes: [{ id: 's1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } }], edges: [] };
  expect((await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph, version: 1 } })).statusCode).toBe(200);
  await ctx.rooms.closeAll();
  const dir = projectPath(ctx.workspace, id);
  await mkdir(dirname(join(dir, SCENES_FILE)), { recursive: true });
  await writeFile(join(dir, SCENES_FILE), BROKEN_SCENES);
  await writeFile(join(dir, EVENTS_FILE), BROKEN_LOG);
});
afterAll(() => cleanup?.());

describe('unreadable review files', () => {
  it('still open the project and save the canvas, answer a clear error, and are never overwritten', async () => {
    const dir = projectPath(ctx.workspace, id);
    expect((await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` })).statusCode).toBe(200);

    const scenes = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/scenes` });
    expect(scenes.json()).toMatchObject({ code: 'CORRUPT_PROJECT', error: expect.stringContaining('scenes.json') });
    const action = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/scenes/SCENE_01/review`, payload: { action: 'submit' } });
    expect(action.json()).toMatchObject({ code: 'CORRUPT_PROJECT' });
    const events = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/events` });
    expect(events.json()).toMatchObject({ code: 'CORRUPT_PROJECT', error: expect.stringContaining('events.jsonl line 2') });

    const ws = await WsProbe.open(base, id);
    try {
      await ws.next('server:full_sync');
      ws.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'update_node', id: 's1', changes: { data: { prompt: 'kept' } } }] });
      expect((await ws.next('server:ack')).clientClock).toBe(1);
    } finally {
      ws.close();
    }
    await ctx.rooms.closeAll();
    expect(execFileSync('git', ['-C', dir, 'log', '-1', '--format=%s'], { encoding: 'utf8' })).toMatch(/^Canvas: /);
    expect(JSON.parse(await readFile(join(dir, '02_Source_Creative/Canvases/main_canvas.json'), 'utf8')).nodes[0].data.prompt).toBe('kept');
    expect(await readFile(join(dir, SCENES_FILE), 'utf8')).toBe(BROKEN_SCENES);
    expect(await readFile(join(dir, EVENTS_FILE), 'utf8')).toBe(BROKEN_LOG);
  });
});
