import { describe, expect, it } from 'vitest';
import { applyEdits, docFromGraph, graphFromDoc } from './apply-edit.ts';
import type { GraphNode } from './graph.ts';

const shot = (id: string, extra: Partial<GraphNode> = {}): GraphNode => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene: 'SCENE_01', shot: 'SHOT_010' },
  ...extra,
});
const group = (id: string): GraphNode => ({ id, type: 'sceneGroup', position: { x: 0, y: 0 }, data: {} });
const pipeline = (id: string): GraphNode => ({ id, type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-image' } });

describe('applyEdits', () => {
  it('adds nodes with normalised data and edges between compatible sockets', () => {
    const doc = docFromGraph({ nodes: [], edges: [] });
    const result = applyEdits(doc, [
      { op: 'add_node', node: shot('s') },
      { op: 'add_node', node: pipeline('p') },
      { op: 'add_edge', edge: { id: 'e', source: 'p', sourceHandle: 'pipeline', target: 's', targetHandle: 'pipeline' } },
    ]);
    expect(result).toEqual({ ok: true });
    expect(doc.nodes.get('s')!.data).toMatchObject({ prompt: '', duration: 4, activeTake: null });
    expect(doc.edges.size).toBe(1);
  });

  it('is atomic: a failing edit leaves the doc exactly as it was', () => {
    const doc = docFromGraph({ nodes: [shot('s'), pipeline('p')], edges: [] });
    const before = JSON.stringify(graphFromDoc(doc));
    const result = applyEdits(doc, [
      { op: 'update_node', id: 's', changes: { position: { x: 50, y: 60 } } },
      { op: 'remove_node', id: 'p' },
      { op: 'add_edge', edge: { id: 'e', source: 'p', sourceHandle: 'pipeline', target: 's', targetHandle: 'pipeline' } },
    ]);
    expect(result).toEqual({ ok: false, reason: "edge e: source node 'p' does not exist" });
    expect(JSON.stringify(graphFromDoc(doc))).toBe(before);
  });

  it('merges data on update and validates it', () => {
    const doc = docFromGraph({ nodes: [shot('s')], edges: [] });
    expect(applyEdits(doc, [{ op: 'update_node', id: 's', changes: { data: { prompt: 'fog' } } }])).toEqual({ ok: true });
    expect(doc.nodes.get('s')!.data).toMatchObject({ prompt: 'fog', scene: 'SCENE_01' });
    const bad = applyEdits(doc, [{ op: 'update_node', id: 's', changes: { data: { duration: -1 } } }]);
    expect(bad.ok).toBe(false);
    expect(doc.nodes.get('s')!.data.duration).toBe(4);
  });

  it('refuses ids that are not in the project and a second edge into a single input', () => {
    const doc = docFromGraph({ nodes: [shot('s'), pipeline('p'), pipeline('q')], edges: [] });
    expect(applyEdits(doc, [{ op: 'remove_node', id: 'elsewhere' }])).toEqual({ ok: false, reason: 'no node elsewhere in this project' });
    applyEdits(doc, [{ op: 'add_edge', edge: { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 's', targetHandle: 'pipeline' } }]);
    const second = applyEdits(doc, [{ op: 'add_edge', edge: { id: 'e2', source: 'q', sourceHandle: 'pipeline', target: 's', targetHandle: 'pipeline' } }]);
    expect(second.ok).toBe(false);
  });

  it('removes a scene group with its shots and their edges, keeping order elsewhere', () => {
    const doc = docFromGraph({
      nodes: [group('g'), shot('a', { parentId: 'g' }), shot('b'), pipeline('p')],
      edges: [
        { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
        { id: 'e2', source: 'p', sourceHandle: 'pipeline', target: 'b', targetHandle: 'pipeline' },
      ],
    });
    expect(applyEdits(doc, [{ op: 'remove_node', id: 'g' }])).toEqual({ ok: true });
    expect([...doc.nodes.keys()]).toEqual(['b', 'p']);
    expect([...doc.edges.keys()]).toEqual(['e2']);
  });

  it('moves a node into and out of a scene group, refusing a non-group parent', () => {
    const doc = docFromGraph({ nodes: [group('g'), shot('a'), pipeline('p')], edges: [] });
    expect(applyEdits(doc, [{ op: 'update_node', id: 'a', changes: { parentId: 'g' } }])).toEqual({ ok: true });
    expect(doc.nodes.get('a')!.parentId).toBe('g');
    expect(applyEdits(doc, [{ op: 'update_node', id: 'a', changes: { parentId: null } }])).toEqual({ ok: true });
    expect(doc.nodes.get('a')!.parentId).toBeUndefined();
    expect(applyEdits(doc, [{ op: 'update_node', id: 'a', changes: { parentId: 'p' } }]).ok).toBe(false);
  });
});
