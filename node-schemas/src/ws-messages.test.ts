import { describe, expect, it } from 'vitest';
import { ClientMessage, ServerMessage } from './ws-messages.ts';

describe('WebSocket messages', () => {
  it('parses a graph edit', () => {
    const msg = ClientMessage.parse({
      type: 'client:graph_edit',
      clientClock: 3,
      edits: [{ op: 'update_node', id: 's1', changes: { position: { x: 1, y: 2 } } }],
    });
    expect(msg.type).toBe('client:graph_edit');
  });
  it('refuses unknown types, unknown ops and extra fields', () => {
    expect(ClientMessage.safeParse({ type: 'client:rm_rf' }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'drop_table' }] }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'client:start_generation', node_id: 's1', admin: true }).success).toBe(false);
    expect(
      ClientMessage.safeParse({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'update_node', id: 's1', changes: { type: 'shot' } }] }).success,
    ).toBe(false);
  });
  it('parses the task and sync server events', () => {
    expect(ServerMessage.parse({ type: 'server:task_progress', task_id: 't', node_id: 'n', progress: 50, step: 'Denoising...' }).type).toBe(
      'server:task_progress',
    );
    expect(ServerMessage.parse({ type: 'server:full_sync', graph: { nodes: [], edges: [] }, serverClock: 0 }).type).toBe('server:full_sync');
  });
});
