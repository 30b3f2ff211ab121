import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/temp-workspace.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let app: FastifyInstance;
let cleanup: () => Promise<void>;
let base: string;
beforeAll(async () => {
  ({ app, cleanup } = await testApp());
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
// A background write can land while the workspace is removed (ENOTEMPTY): remove it again.
afterAll(() => cleanup().catch(() => new Promise((r) => setTimeout(r, 500)).then(() => cleanup())));

const shot = (id: string) => ({ id, type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } });

async function project(name: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name } });
  return (res.json() as { id: string }).id;
}

describe("the server's record of a client, and data it cannot keep", () => {
  it('a client:update_node_data without a clientClock does not move the last batch back', async () => {
    const id = await project('Client Record');
    const a = await WsProbe.open(base, id, { client: 'record-client-01' });
    await a.next('server:full_sync');
    for (let clock = 1; clock <= 5; clock++) {
      a.send({ type: 'client:graph_edit', clientClock: clock, edits: [{ op: 'add_node', node: shot(`n${clock}`) }] });
      await a.next('server:ack');
    }
    a.send({ type: 'client:update_node_data', node_id: 'n1', data: { prompt: 'no clock on this one' } });
    a.send({ type: 'client:ping', t: 1 });
    await a.next('server:pong');
    // An older batch arriving late does not rewind it either.
    a.send({ type: 'client:graph_edit', clientClock: 2, edits: [{ op: 'update_node', id: 'n2', changes: { position: { x: 1, y: 1 } } }] });
    await a.next('server:ack');
    a.close();
    const again = await WsProbe.open(base, id, { client: 'record-client-01' });
    expect(await again.next('server:welcome')).toMatchObject({ lastClientClock: 5 });
    again.close();
  });

  it('refuses a __proto__ key in node data instead of acknowledging and dropping it', async () => {
    const id = await project('Proto Keys');
    const a = await WsProbe.open(base, id);
    await a.next('server:full_sync');
    a.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'add_node', node: shot('s1') }] });
    await a.next('server:ack');
    a.send(
      '{"type":"client:graph_edit","clientClock":2,"edits":[{"op":"update_node","id":"s1","changes":{"data":{"__proto__":{"polluted":true},"prompt":"x"}}}]}',
    );
    expect(await a.next('server:reject')).toMatchObject({ clientClock: 2 });
    a.send('{"type":"client:update_node_data","clientClock":3,"node_id":"s1","data":{"params":{"__proto__":1}}}');
    expect(await a.next('server:reject')).toMatchObject({ clientClock: 3 });
    a.send('{"type":"client:update_node_data","node_id":"s1","data":{"__proto__":{"a":1}}}');
    expect(await a.next('server:error')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(a.messages.some((m) => m.type === 'server:ack' && m.clientClock > 1)).toBe(false);
    const got = (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` })).json() as { graph: { nodes: Array<{ data: Record<string, unknown> }> } };
    expect(got.graph.nodes[0]!.data.prompt).not.toBe('x');
    expect(got.graph.nodes[0]!.data).not.toHaveProperty('params');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    a.close();
  });

  it('refuses a title with a bidi override or nothing visible, and creates nothing', async () => {
    for (const name of ['Invoice \u202Egpj.exe', '\u200B\u200B', 'a\uD800b']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name } });
      expect(res.statusCode, JSON.stringify(name)).toBe(400);
    }
    const list = (await app.inject({ method: 'GET', url: '/api/v1/projects' })).json() as Array<{ title: string }>;
    expect(list.map((p) => p.title).sort()).toEqual(['Client Record', 'Proto Keys']);
  });
});
