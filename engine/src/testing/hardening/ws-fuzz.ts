/** Generators of hostile WebSocket messages for the sync endpoint: mostly broken, some valid edits. */

const TYPES = [
  'client:graph_edit',
  'client:update_node_data',
  'client:sync_request',
  'client:ping',
  'client:start_generation',
  'client:cancel_generation',
  'client:render_final_sequence',
  'client:nope',
  '',
  'server:ack',
];
const NODE_TYPES = ['shot', 'pipeline', 'scene', 'audio', 'hologram', '__proto__', 'constructor'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function junkValue(random: () => number, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.2)
    return pick(random, [null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, 'x', '', '\u0000', '\uD800', '💥'.repeat(50), '../../etc/passwd']);
  if (r < 0.5) return Array.from({ length: Math.floor(random() * 4) }, () => junkValue(random, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(random() * 4); i++)
    out[pick(random, ['id', 'data', 'type', 'op', 'edits', 'clientClock', '__proto__', 'constructor', 'prototype', 'node', 'x'])] = junkValue(
      random,
      depth + 1,
    );
  return out;
}

function shotNode(random: () => number, id: string) {
  return {
    id,
    type: 'shot',
    position: { x: Math.floor(random() * 1000), y: Math.floor(random() * 1000) },
    data: { scene: 'SCENE_01', shot: `SHOT_${String(10 + Math.floor(random() * 900)).padStart(3, '0')}`, prompt: 'fuzz' },
  };
}

/** One message: a string (text frame) or a Buffer (binary frame). `clock` is the sender's next clientClock. */
export function fuzzMessage(random: () => number, clock: number, nodeIds: string[]): string | Buffer {
  const r = random();
  const id = nodeIds.length && random() < 0.7 ? pick(random, nodeIds) : `n${Math.floor(random() * 1e6)}`;
  if (r < 0.18) {
    // Valid edits, so the graph really changes under the noise.
    const op = random();
    const edit =
      op < 0.4
        ? { op: 'add_node', node: shotNode(random, `n${Math.floor(random() * 1e6)}`) }
        : op < 0.8
          ? { op: 'update_node', id, changes: { position: { x: Math.floor(random() * 500), y: 3 } } }
          : { op: 'remove_node', id };
    return JSON.stringify({ type: 'client:graph_edit', clientClock: clock, edits: [edit] });
  }
  if (r < 0.3)
    return JSON.stringify({
      type: pick(random, TYPES),
      clientClock: random() < 0.8 ? clock : junkValue(random),
      edits: junkValue(random),
      node_id: junkValue(random),
      data: junkValue(random),
    });
  if (r < 0.4)
    return JSON.stringify({
      type: 'client:graph_edit',
      clientClock: clock,
      edits: [
        {
          op: pick(random, ['add_node', 'update_node', 'remove_node', 'add_edge', 'remove_edge', 'drop']),
          id,
          node: { ...shotNode(random, id), type: pick(random, NODE_TYPES), data: junkValue(random) },
          changes: junkValue(random),
          edge: junkValue(random),
        },
      ],
    });
  if (r < 0.48)
    return `{"type":"client:update_node_data","clientClock":${clock},"node_id":${JSON.stringify(id)},"data":{"__proto__":{"polluted":1},"params":{"__proto__":2}}}`;
  if (r < 0.56)
    return JSON.stringify({ type: 'client:update_node_data', node_id: id, data: junkValue(random), ...(random() < 0.5 ? { clientClock: clock } : {}) });
  if (r < 0.64) return JSON.stringify(junkValue(random));
  if (r < 0.7) return `{"type":"client:graph_edit","clientClock":${clock},"edits":[`.slice(0, Math.floor(random() * 40));
  if (r < 0.74) return '['.repeat(1 + Math.floor(random() * 50_000)) + ']'.repeat(Math.floor(random() * 10));
  if (r < 0.78) return Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
  if (r < 0.82) return JSON.stringify({ type: 'client:graph_edit', clientClock: clock, edits: Array.from({ length: 501 }, () => ({ op: 'remove_node', id })) });
  if (r < 0.86) return JSON.stringify({ type: 'client:ping', t: junkValue(random) });
  if (r < 0.9)
    return JSON.stringify({
      type: pick(random, ['client:start_generation', 'client:cancel_generation', 'client:render_final_sequence']),
      node_id: `ghost-${Math.floor(random() * 100)}`,
      task_id: junkValue(random),
    });
  if (r < 0.94) return JSON.stringify({ type: 'client:sync_request' });
  return JSON.stringify({
    type: 'client:graph_edit',
    clientClock: pick(random, [-1, 1.5, 2 ** 60, '1', null]),
    edits: [{ op: 'add_node', node: shotNode(random, id) }],
  });
}

/** Raw upgrade requests that are wrong in every way a client can make them wrong. */
export function hostileUpgrade(random: () => number, projectId: string, token: string): string {
  const targets = [
    `/ws/${projectId}?protocol=1`,
    '/ws/%E0%A4%A?protocol=1',
    '//',
    '*',
    `http://x/ws/${projectId}`,
    '/ws/',
    `/ws/${'%'.repeat(200)}`,
    `/ws/${projectId}?protocol=1&token=%ZZ`,
    '/ws/..%2F..%2Fetc',
    `/%77s/${projectId}`,
  ];
  const cookies = ['studio_token=%E0%A4%A', 'studio_token=', `studio_token=${token}%`, 'a=%;studio_token=%%', ''];
  const auth = ['', `Bearer ${token}`, 'Bearer ', 'Basic x', `Bearer ${token}x`];
  const lines = [`GET ${pick(random, targets)} HTTP/1.1`, 'Host: x', 'Connection: Upgrade', 'Upgrade: websocket'];
  if (random() < 0.8) lines.push('Sec-WebSocket-Version: 13');
  if (random() < 0.8) lines.push(`Sec-WebSocket-Key: ${pick(random, ['dGhlIHNhbXBsZSBub25jZQ==', 'short', ''])}`);
  const cookie = pick(random, cookies);
  if (cookie) lines.push(`Cookie: ${cookie}`);
  const a = pick(random, auth);
  if (a) lines.push(`Authorization: ${a}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
