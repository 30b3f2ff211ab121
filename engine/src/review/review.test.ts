import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { GraphEditOp } from '@studio/node-schemas';
import { testApp } from '../testing/temp-workspace.ts';
import { projectPath } from '../projects/workspace.ts';
import type { EngineContext } from '../server/context.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import { readSceneRecords } from './scene-records.ts';
import { readEvents } from './event-log.ts';
import { replayCanvas } from './replay-canvas.ts';
import { EVENTS_FILE, SCENES_FILE } from './review-paths.ts';

let app: FastifyInstance;
let base: string;
let cleanup: () => Promise<void>;
let ctx: EngineContext;
let id: string;

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp({}, { debounceMs: 20, maxWaitMs: 200 }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const created = await call('POST', '/api/v1/projects', { name: 'Review' });
  id = created.body.id as string;
  const graph = {
    nodes: [
      { id: 'g1', type: 'sceneGroup', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01' } },
      { id: 's1', type: 'shot', position: { x: 10, y: 10 }, parentId: 'g1', data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'dawn' } },
      { id: 's2', type: 'shot', position: { x: 400, y: 0 }, data: { scene: 'SCENE_02', shot: 'SHOT_010', prompt: 'noon' } },
      { id: 'p', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'draft-image' } },
    ],
    edges: [{ id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 's1', targetHandle: 'pipeline' }],
  };
  expect((await call('PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);
});
afterAll(() => cleanup?.());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const review = (scene: string, action: string, note?: string) =>
  call('POST', `/api/v1/projects/${id}/scenes/${scene}/review`, { action, ...(note ? { note } : {}) });
const dir = () => projectPath(ctx.workspace, id);
const git = (...args: string[]) => execFileSync('git', ['-C', dir(), ...args], { encoding: 'utf8' }).trim();

describe('scene review and approval', () => {
  it('lists the graph’s scenes in running order, all draft at first', async () => {
    const { status, body } = await call('GET', `/api/v1/projects/${id}/scenes`);
    expect(status).toBe(200);
    expect(body.scenes).toEqual([
      { scene: 'SCENE_01', shots: 1, status: 'draft', budget: null },
      { scene: 'SCENE_02', shots: 1, status: 'draft', budget: null },
    ]);
  });

  it('refuses an unknown scene (404), a bad action (400) and a transition the status does not allow (409)', async () => {
    const unknown = await review('SCENE_09', 'submit');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'SCENE_NOT_FOUND', scene: 'SCENE_09' });
    expect((await review('SCENE_01', 'publish')).status).toBe(400);
    expect((await call('POST', `/api/v1/projects/${id}/scenes/not-a-scene/review`, { action: 'submit' })).status).toBe(400);
    for (const action of ['approve', 'request_revision', 'reopen']) {
      const refused = await review('SCENE_01', action);
      expect(refused.status, action).toBe(409);
      expect(refused.body).toMatchObject({ code: 'REVIEW_TRANSITION', scene: 'SCENE_01', status: 'draft', action });
    }
  });

  it('walks every transition, each one commit by the named actor holding scenes.json and its event', async () => {
    const steps: Array<[string, string, string | undefined, string]> = [
      ['submit', 'in_review', undefined, 'SceneSubmittedForReview'],
      ['request_revision', 'revision_requested', 'the sky is too green', 'RevisionRequested'],
      ['submit', 'in_review', undefined, 'SceneSubmittedForReview'],
      ['approve', 'approved', 'Looks good', 'SceneApproved'],
    ];
    for (const [action, status, note, type] of steps) {
      const before = git('rev-list', '--count', 'HEAD');
      const { status: code, body } = await review('SCENE_01', action, note);
      expect(code, action).toBe(200);
      expect(body.scene).toMatchObject({ scene: 'SCENE_01', status, updated_by: { kind: 'local', id: 'local', name: 'Local user' } });
      expect(body.event).toMatchObject({ type, scene: 'SCENE_01', actor: { id: 'local' }, payload: { to: status, ...(note ? { note } : {}) } });
      expect(Number(git('rev-list', '--count', 'HEAD'))).toBe(Number(before) + 1);
      expect(git('log', '-1', '--format=%an <%ae>')).toBe('Local user <local.local@local.studio>');
      expect(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([EVENTS_FILE, SCENES_FILE].sort());
    }
    // Not allowed from in review or approved:
    expect((await review('SCENE_01', 'submit')).body).toMatchObject({ code: 'REVIEW_TRANSITION', status: 'approved', action: 'submit' });
    const records = await readSceneRecords(dir());
    expect(records.SCENE_01).toMatchObject({ status: 'approved', note: 'Looks good', updated_by: { id: 'local' } });
    expect(records.SCENE_02).toBeUndefined();
    expect(git('log', '-1', '--format=%s')).toBe('Review: Local user approved SCENE_01: Looks good');
  });

  it('refuses edits to an approved scene’s shots over a real WebSocket, naming the scene, until it is reopened', async () => {
    const ws = await WsProbe.open(base, id);
    await ws.next('server:full_sync');
    let clientClock = 0;
    const send = async (edits: GraphEditOp[]) => {
      ws.send({ type: 'client:graph_edit', clientClock: ++clientClock, edits });
      for (;;) {
        const m = ws.messages.find((x) => (x.type === 'server:ack' || x.type === 'server:reject') && x.clientClock === clientClock);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      const refused: GraphEditOp[][] = [
        [{ op: 'update_node', id: 's1', changes: { data: { prompt: 'dusk' } } }],
        [{ op: 'remove_node', id: 's1' }],
        [{ op: 'remove_node', id: 'g1' }],
        [{ op: 'update_node', id: 's2', changes: { data: { scene: 'SCENE_01' } } }],
        [{ op: 'update_node', id: 's1', changes: { parentId: null } }],
        [{ op: 'update_node', id: 's2', changes: { parentId: 'g1' } }],
        [{ op: 'update_node', id: 'g1', changes: { data: { scene: 'SCENE_03' } } }],
        [{ op: 'add_node', node: { id: 's3', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_020' } } }],
        [{ op: 'remove_edge', id: 'e1' }],
        [
          { op: 'add_edge', edge: { id: 'e2', source: 'p', sourceHandle: 'pipeline', target: 's2', targetHandle: 'pipeline' } },
          { op: 'update_node', id: 's2', changes: { data: { scene: 'SCENE_01' } } },
        ],
      ];
      for (const edits of refused) {
        const answer = await send(edits);
        expect(answer.type, JSON.stringify(edits)).toBe('server:reject');
        expect((answer as { reason: string }).reason).toMatch(/SCENE_01 is approved.*reopen/);
      }
      // Layout and other scenes stay free.
      expect((await send([{ op: 'update_node', id: 's1', changes: { position: { x: 30, y: 30 } } }])).type).toBe('server:ack');
      expect((await send([{ op: 'update_node', id: 'g1', changes: { data: { collapsed: true } } }])).type).toBe('server:ack');
      expect((await send([{ op: 'update_node', id: 's2', changes: { data: { prompt: 'late noon' } } }])).type).toBe('server:ack');

      const reopened = await review('SCENE_01', 'reopen');
      expect(reopened.body.scene).toMatchObject({ status: 'draft' });
      expect((await ws.next('server:notice')).message).toBe('Local user reopened SCENE_01');
      expect((await send([{ op: 'update_node', id: 's1', changes: { data: { prompt: 'dusk' } } }])).type).toBe('server:ack');
    } finally {
      ws.close();
    }
  });

  it('sets and removes a scene budget in scenes.json (what the ledger reads)', async () => {
    const set = await call('PATCH', `/api/v1/projects/${id}/scenes/SCENE_02`, { budget: 12.5 });
    expect(set.status).toBe(200);
    expect((await readSceneRecords(dir())).SCENE_02).toMatchObject({ status: 'draft', budget: 12.5 });
    expect((await call('PATCH', `/api/v1/projects/${id}/scenes/SCENE_02`, { budget: -1 })).status).toBe(400);
    await call('PATCH', `/api/v1/projects/${id}/scenes/SCENE_02`, { budget: null });
    expect((await readSceneRecords(dir())).SCENE_02?.budget).toBeNull();
  });
});

describe('the event log and replay', () => {
  it('logs canvas events with their actors, in the canvas commit that holds them', async () => {
    const ws = await WsProbe.open(base, id);
    await ws.next('server:full_sync');
    try {
      ws.send({
        type: 'client:graph_edit',
        clientClock: 1,
        edits: [{ op: 'add_node', node: { id: 'g3', type: 'sceneGroup', position: { x: 900, y: 0 }, data: { scene: 'SCENE_03' } } }],
      });
      await ws.next('server:ack');
      ws.send({
        type: 'client:graph_edit',
        clientClock: 2,
        edits: [{ op: 'update_node', id: 's2', changes: { data: { activeTake: '03_Renders/SCENE_02/SHOT_010/SHOT-010_v01_take01.png' } } }],
      });
      await ws.next('server:ack');
    } finally {
      ws.close();
    }
    const deadline = Date.now() + 10_000;
    let events = await readEvents(dir());
    while (!events.some((e) => e.type === 'TakeSelected') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      events = await readEvents(dir());
    }
    const created = events.find((e) => e.type === 'SceneCreated');
    expect(created).toMatchObject({ scene: 'SCENE_03', actor: { id: 'local' }, payload: { node: 'g3' } });
    expect(events.find((e) => e.type === 'TakeSelected')).toMatchObject({
      scene: 'SCENE_02',
      actor: { id: 'local' },
      payload: { node: 's2', shot: 'SHOT_010' },
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // The commit that wrote TakeSelected's line holds the canvas change too.
    let commit = '';
    while (!commit && Date.now() < deadline) {
      commit = git('log', '-1', '--format=%H', '-S', '"TakeSelected"', '--', EVENTS_FILE);
      if (!commit) await new Promise((r) => setTimeout(r, 50));
    }
    expect(git('show', '--name-only', '--format=', commit)).toContain('main_canvas.json');

    const scene = await call('GET', `/api/v1/projects/${id}/events?scene=SCENE_01`);
    const types = (scene.body.events as Array<{ type: string; scene: string; replay?: unknown }>).map((e) => e.type);
    expect(types).toEqual(['SceneSubmittedForReview', 'RevisionRequested', 'SceneSubmittedForReview', 'SceneApproved', 'SceneReopened']);
    expect((scene.body.events as Array<Record<string, unknown>>).every((e) => e.scene === 'SCENE_01' && !('replay' in e))).toBe(true);
  });

  it('rebuilds exactly the current graph from the whole log, and the canvas at any event', async () => {
    const current = await call('GET', `/api/v1/projects/${id}`);
    await new Promise((r) => setTimeout(r, 300));
    const events = await readEvents(dir());
    const { graph } = replayCanvas(events);
    const { nodes, edges } = current.body.graph as { nodes: unknown[]; edges: unknown[] };
    expect(nodes.length).toBe(5);
    expect({ nodes: graph.nodes, edges: graph.edges }).toEqual({ nodes, edges });

    // Right after the approval, s1 still had its first prompt; after the reopen it was edited.
    const approved = events.find((e) => e.type === 'SceneApproved')!;
    const atApproval = await call('GET', `/api/v1/projects/${id}/events/${approved.seq}/canvas`);
    expect(atApproval.status).toBe(200);
    const s1 = (atApproval.body.graph as { nodes: Array<{ id: string; data: { prompt: string } }> }).nodes.find((n) => n.id === 's1');
    expect(s1?.data.prompt).toBe('dawn');
    const missing = await call('GET', `/api/v1/projects/${id}/events/99999/canvas`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'EVENT_NOT_FOUND', seq: 99999 });
  });

  it('carries on after the room is closed and loaded again (an engine restart): no baseline needed, replay still exact', async () => {
    await ctx.rooms.closeAll();
    const before = await readEvents(dir());
    const ws = await WsProbe.open(base, id);
    try {
      await ws.next('server:full_sync');
      ws.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'update_node', id: 's2', changes: { data: { prompt: 'evening' } } }] });
      await ws.next('server:ack');
      ws.send({ type: 'client:graph_edit', clientClock: 2, edits: [{ op: 'remove_node', id: 'g3' }] });
      await ws.next('server:ack');
    } finally {
      ws.close();
    }
    await ctx.rooms.closeAll();
    const after = await readEvents(dir());
    const added = after.slice(before.length);
    expect(added.map((e) => e.type)).toEqual(['CanvasEdited', 'SceneRemoved']);
    expect(added.map((e) => e.seq)).toEqual([before.length + 1, before.length + 2]);
    const current = await call('GET', `/api/v1/projects/${id}`);
    const { nodes, edges } = current.body.graph as { nodes: unknown[]; edges: unknown[] };
    const { graph } = replayCanvas(after);
    expect({ nodes: graph.nodes, edges: graph.edges }).toEqual({ nodes, edges });
  });
});
