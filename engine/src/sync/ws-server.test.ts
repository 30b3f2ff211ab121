import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let base: string;

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(() => cleanup());

async function project(name: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  return ((await res.json()) as { id: string }).id;
}

const shot = (id: string, x = 0) => ({ id, type: 'shot', position: { x, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } });
const pipeline = (id: string) => ({ id, type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'draft-image' } });
const commits = (id: string) =>
  execFileSync('git', ['log', '--format=%s'], { cwd: join(ctx.workspace.projectsDir, id), encoding: 'utf8' })
    .trim()
    .split('\n');

describe('WebSocket sync', () => {
  it('welcomes with the protocol version and a full sync, acks the sender and patches the others', async () => {
    const id = await project('Sync Basics');
    const a = await WsProbe.open(base, id);
    const b = await WsProbe.open(base, id);
    const welcome = await a.next('server:welcome');
    expect(welcome).toMatchObject({ protocolVersion: 1, projectId: id, serverClock: 1, catchUp: 'full_sync' });
    expect((await a.next('server:full_sync')).graph).toMatchObject({ nodes: [], edges: [] });
    await b.next('server:full_sync');

    a.send({
      type: 'client:graph_edit',
      clientClock: 1,
      edits: [
        { op: 'add_node', node: shot('s1') },
        { op: 'add_node', node: pipeline('p1') },
      ],
    });
    expect(await a.next('server:ack')).toEqual({ type: 'server:ack', clientClock: 1, serverClock: 2 });
    const patch = await b.next('server:graph_patch');
    expect(patch).toMatchObject({ serverClock: 2, origin: welcome.clientId, clientClock: 1 });
    expect(patch.edits).toHaveLength(2);

    b.send({
      type: 'client:graph_edit',
      clientClock: 1,
      edits: [{ op: 'add_edge', edge: { id: 'e1', source: 'p1', sourceHandle: 'pipeline', target: 's1', targetHandle: 'pipeline' } }],
    });
    expect(await b.next('server:ack')).toMatchObject({ serverClock: 3 });
    expect((await a.next('server:graph_patch')).serverClock).toBe(3);
    const got = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as { version: number; graph: { edges: unknown[] } };
    expect(got.version).toBe(3);
    expect(got.graph.edges).toHaveLength(1);
    a.close();
    b.close();
  });

  it('answers malformed and hostile messages with server:error or server:reject, leaving connection, graph and others intact', async () => {
    const id = await project('Hostile');
    const other = await project('Other Project');
    const a = await WsProbe.open(base, id);
    const b = await WsProbe.open(base, id);
    const elsewhere = await WsProbe.open(base, other);
    elsewhere.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'add_node', node: shot('theirs') }] });
    await elsewhere.next('server:ack');
    a.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'add_node', node: shot('s1') }] });
    await a.next('server:ack');

    a.send('{"type": "client:graph_edit", ');
    expect(await a.next('server:error')).toMatchObject({ code: 'BAD_JSON' });
    a.send({ type: 'client:format_disk' });
    expect(await a.next('server:error')).toMatchObject({ code: 'BAD_MESSAGE' });
    a.send({
      type: 'client:graph_edit',
      clientClock: 2,
      edits: [{ op: 'add_edge', edge: { id: 'e', source: 's1', sourceHandle: 'output', target: 'ghost', targetHandle: 'pipeline' } }],
    });
    expect((await a.next('server:reject')).reason).toContain("target node 'ghost' does not exist");
    a.send({
      type: 'client:graph_edit',
      clientClock: 3,
      edits: [
        { op: 'add_node', node: pipeline('p1') },
        { op: 'add_edge', edge: { id: 'e', source: 'p1', sourceHandle: 'pipeline', target: 's1', targetHandle: 'motion' } },
      ],
    });
    const wrongSocket = await a.next('server:reject');
    expect(wrongSocket).toMatchObject({ clientClock: 3 });
    expect(wrongSocket.reason).toContain('incompatible sockets');
    a.send({ type: 'client:graph_edit', clientClock: 4, edits: [{ op: 'remove_node', id: 'theirs' }] });
    expect((await a.next('server:reject')).reason).toBe('no node theirs in this project');
    a.send({
      type: 'client:graph_edit',
      clientClock: 5,
      edits: [{ op: 'add_node', node: { ...shot('evil'), data: { scene: 'SCENE_01', shot: 'SHOT_010', activeTake: '../../../etc/passwd' } } }],
    });
    expect((await a.next('server:reject')).clientClock).toBe(5);
    a.send(
      JSON.stringify({
        type: 'client:graph_edit',
        clientClock: 6,
        edits: [{ op: 'add_node', node: { ...shot('big'), data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'x'.repeat(10 * 1024 * 1024) } } }],
      }),
    );
    expect(await a.next('server:error')).toMatchObject({ code: 'TOO_LARGE' });
    a.send(Buffer.from([0, 1, 2]));
    expect(await a.next('server:error')).toMatchObject({ code: 'BAD_MESSAGE' });

    // A flood: far more messages than the rate allows. The flooder is told; the others are not touched.
    for (let i = 0; i < 6000; i++) a.send({ type: 'client:ping', t: i });
    const flood = await a.next('server:error');
    expect(flood.code).toBe('FLOOD');

    expect(a.closed).toBeNull();
    a.send({ type: 'client:sync_request' });
    const sync = await a.next('server:full_sync', 10_000);
    expect(sync.graph.nodes.map((n) => n.id)).toEqual(['s1']);
    expect(b.messages.filter((m) => m.type === 'server:graph_patch')).toHaveLength(1);
    expect(b.messages.some((m) => m.type === 'server:error' || m.type === 'server:reject')).toBe(false);
    expect(b.closed).toBeNull();
    const otherGraph = (await (await fetch(`${base}/api/v1/projects/${other}`)).json()) as { graph: { nodes: Array<{ id: string }> } };
    expect(otherGraph.graph.nodes.map((n) => n.id)).toEqual(['theirs']);
    a.close();
    b.close();
    elsewhere.close();
  });

  it('closes with a reason for a wrong protocol version or an unknown project', async () => {
    const id = await project('Versions');
    const old = await WsProbe.open(base, id, { protocol: '0' });
    expect(await old.closedWith()).toMatchObject({ code: 4426 });
    const ghost = await WsProbe.open(base, 'no-such-project');
    expect(await ghost.closedWith()).toMatchObject({ code: 4404, reason: "no project 'no-such-project'" });
    const traversal = await WsProbe.open(base, '..%2F..%2Fetc');
    expect((await traversal.closedWith()).code).toBe(4404);
  });

  it('catches a reconnecting client up with the patches it missed, or a full sync when too far behind', async () => {
    const id = await project('Catch Up');
    const a = await WsProbe.open(base, id, { client: 'client-a-0001' });
    await a.next('server:full_sync');
    const b = await WsProbe.open(base, id);
    for (let i = 0; i < 3; i++) {
      b.send({ type: 'client:graph_edit', clientClock: i + 1, edits: [{ op: 'add_node', node: shot(`n${i}`) }] });
      await b.next('server:ack');
    }
    a.close();
    b.send({ type: 'client:graph_edit', clientClock: 4, edits: [{ op: 'update_node', id: 'n0', changes: { position: { x: 9, y: 9 } } }] });
    await b.next('server:ack');
    const again = await WsProbe.open(base, id, { client: 'client-a-0001', since: '4' });
    expect(await again.next('server:welcome')).toMatchObject({ catchUp: 'patches', serverClock: 5 });
    expect((await again.next('server:graph_patch')).serverClock).toBe(5);
    expect(again.messages.some((m) => m.type === 'server:full_sync')).toBe(false);
    const stale = await WsProbe.open(base, id, { since: '9999' });
    expect(await stale.next('server:welcome')).toMatchObject({ catchUp: 'full_sync' });
    await stale.next('server:full_sync');
    again.close();
    stale.close();
    b.close();
  });

  // How soon the commit lands is measured by `npm run bench -- sync` (commit_after_last_edit), not asserted here.
  it('commits a burst of edits once, after the last, and a whole drag as one commit', async () => {
    const id = await project('Debounce');
    const before = commits(id).length;
    const a = await WsProbe.open(base, id);
    a.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'add_node', node: shot('s1') }] });
    await a.next('server:ack');
    for (let i = 0; i < 120; i++) {
      a.send({ type: 'client:graph_edit', clientClock: i + 2, edits: [{ op: 'update_node', id: 's1', changes: { position: { x: i, y: i } } }] });
      await new Promise((r) => setTimeout(r, 4));
    }
    await a.next('server:ack');
    await expect.poll(() => commits(id).length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(before);
    // Whatever a split burst left uncommitted, committing now would make a second commit.
    await (await ctx.rooms.loaded(id))!.persistNow();
    const log = commits(id);
    expect(log.length).toBe(before + 1);
    expect(log[0]).toMatch(/^Canvas: added 1 node, moved nodes 120 times \(version 122\)$/);
    a.close();
  });

  it('broadcasts a REST save as a full sync to connected clients', async () => {
    const id = await project('Rest Save');
    const a = await WsProbe.open(base, id);
    await a.next('server:full_sync');
    const res = await fetch(`${base}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph: { nodes: [shot('from-rest')], edges: [] }, version: 1 }),
    });
    expect(res.status).toBe(200);
    const sync = await a.next('server:full_sync');
    expect(sync).toMatchObject({ serverClock: 2 });
    expect(sync.graph.nodes[0]!.id).toBe('from-rest');
    a.close();
  });
});
