import type { FastifyInstance } from 'fastify';
import type { GraphEditOp, GraphNode } from '@studio/node-schemas';
import { graphFromDoc } from '@studio/node-schemas';
import { SyncClient, type WebSocketLike } from '@studio/node-schemas/sync';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/temp-workspace.ts';

let app: FastifyInstance;
let cleanup: () => Promise<void>;
let base: string;
beforeAll(async () => {
  ({ app, cleanup } = await testApp({}, { debounceMs: 50, maxWaitMs: 500 }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(() => cleanup());

/** A small seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A real ws socket whose traffic each way is delayed at random, order kept: a slow, jittery network. */
function jitterySocket(url: string, random: () => number, maxDelayMs: number): WebSocketLike {
  const ws = new WebSocket(url);
  let outTail = Promise.resolve();
  let inTail = Promise.resolve();
  const delay = () => new Promise<void>((r) => setTimeout(r, random() * maxDelayMs));
  const like: WebSocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send(data) {
      outTail = outTail.then(delay).then(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(data);
      });
    },
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.on('open', () => like.onopen?.({}));
  ws.on('message', (data) => {
    inTail = inTail.then(delay).then(() => like.onmessage?.({ data: String(data) }));
  });
  ws.on('close', (code, reason) => {
    inTail = inTail.then(() => like.onclose?.({ code, reason: String(reason) }));
  });
  ws.on('error', () => undefined);
  return like;
}

function randomEdit(client: SyncClient, random: () => number, name: string, n: number): GraphEditOp[] {
  const nodes = [...client.view.nodes.values()];
  const edges = [...client.view.edges.values()];
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const r = random();
  const newId = `${name}-${n}`;
  if (r < 0.25 || nodes.length < 3) {
    const kind = random();
    const node: GraphNode =
      kind < 0.5
        ? { id: newId, type: 'shot', position: { x: random() * 900, y: random() * 600 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: newId } }
        : kind < 0.85
          ? { id: newId, type: 'pipeline', position: { x: -300, y: random() * 600 }, data: { pipelineId: 'draft-image' } }
          : { id: newId, type: 'sceneGroup', position: { x: random() * 900, y: 700 }, data: { scene: 'SCENE_02' }, width: 400, height: 300 };
    return [{ op: 'add_node', node }];
  }
  if (r < 0.5) {
    const node = pick(nodes)!;
    return [{ op: 'update_node', id: node.id, changes: { position: { x: Math.round(random() * 900), y: Math.round(random() * 600) } } }];
  }
  if (r < 0.6) {
    const shot = pick(nodes.filter((x) => x.type === 'shot'));
    if (shot) return [{ op: 'update_node', id: shot.id, changes: { data: { prompt: `${name} says ${n}` } } }];
  }
  if (r < 0.7) {
    const node = pick(nodes)!;
    return [{ op: 'remove_node', id: node.id }];
  }
  if (r < 0.85) {
    const source = pick(nodes.filter((x) => x.type === 'pipeline'));
    const target = pick(nodes.filter((x) => x.type === 'shot'));
    if (source && target)
      return [{ op: 'add_edge', edge: { id: `e-${newId}`, source: source.id, sourceHandle: 'pipeline', target: target.id, targetHandle: 'pipeline' } }];
  }
  if (r < 0.92 && edges.length) return [{ op: 'remove_edge', id: pick(edges)!.id }];
  const group = pick(nodes.filter((x) => x.type === 'sceneGroup'));
  const shot = pick(nodes.filter((x) => x.type === 'shot'));
  if (group && shot) return [{ op: 'update_node', id: shot.id, changes: { parentId: random() < 0.7 ? group.id : null } }];
  return [{ op: 'update_node', id: pick(nodes)!.id, changes: { position: { x: 1, y: 2 } } }];
}

const canonical = (graph: { nodes: GraphNode[]; edges: unknown[] }) =>
  JSON.stringify({
    nodes: [...graph.nodes].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...(graph.edges as Array<{ id: string }>)].sort((a, b) => a.id.localeCompare(b.id)),
  });

describe('convergence', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random edits from 3 clients with random delays and dropped connections converge to the server's graph (seed ${seed})`, async () => {
      const random = prng(seed);
      const res = await fetch(`${base.replace('ws', 'http')}/api/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Converge ${seed}` }),
      });
      const { id } = (await res.json()) as { id: string };
      const rejects: string[] = [];
      const clients = ['ana', 'ben', 'cai'].map(
        () =>
          new SyncClient({
            url: `${base}/ws/${id}`,
            createSocket: (url) => jitterySocket(url, random, 12),
            reconnect: { initialMs: 5, maxMs: 40 },
            onReject: (reason) => rejects.push(reason),
          }),
      );
      for (const c of clients) c.connect();
      await Promise.all(clients.map((c) => c.settled()));

      const EDITS = 120;
      await Promise.all(
        clients.map(async (client, k) => {
          const name = ['ana', 'ben', 'cai'][k]!;
          for (let n = 0; n < EDITS; n++) {
            client.edit(randomEdit(client, random, name, n));
            if (random() < 0.03) client.dropConnection();
            await new Promise((r) => setTimeout(r, random() * 6));
          }
        }),
      );
      try {
        await Promise.all(clients.map((c) => c.settled()));
        const server = (await (await fetch(`${base.replace('ws', 'http')}/api/v1/projects/${id}`)).json()) as {
          version: number;
          graph: { nodes: GraphNode[]; edges: unknown[] };
        };
        // Each client has its own batches acknowledged; others' last patches may still be on the slow wire.
        const deadline = Date.now() + 10_000;
        while (clients.some((c) => c.serverClock !== server.version) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(server.graph.nodes.length).toBeGreaterThan(5);
        for (const client of clients) {
          expect(client.serverClock).toBe(server.version);
          expect(client.pendingCount).toBe(0);
          expect(canonical(graphFromDoc(client.view))).toBe(canonical(server.graph));
        }
      } finally {
        for (const c of clients) c.close();
      }
    });
  }
});
