import { describe, expect, it } from 'vitest';
import type { Graph } from '@studio/node-schemas';
import { checkReplacementKeepsApproved } from './graph-replace-guard.ts';

const graph: Graph = {
  nodes: [
    { id: 's1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'dawn' } },
    { id: 's2', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_02', shot: 'SHOT_010', prompt: 'noon' } },
    { id: 'p', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-image' } },
  ],
  edges: [{ id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 's1', targetHandle: 'pipeline' }],
};
const approved = { SCENE_01: { status: 'approved' as const, budget: null } };
const edit = (change: (g: Graph) => void): Graph => {
  const copy = structuredClone(graph);
  change(copy);
  return copy;
};

describe('a whole-graph replacement and approved scenes', () => {
  it('lets through layout, other scenes and any change when nothing is approved', () => {
    expect(() =>
      checkReplacementKeepsApproved(
        graph,
        edit((g) => (g.nodes[0]!.position = { x: 50, y: 9 })),
        approved,
      ),
    ).not.toThrow();
    expect(() =>
      checkReplacementKeepsApproved(
        graph,
        edit((g) => (g.nodes[1]!.data.prompt = 'dusk')),
        approved,
      ),
    ).not.toThrow();
    expect(() =>
      checkReplacementKeepsApproved(
        graph,
        edit((g) => (g.nodes[0]!.data.prompt = 'dusk')),
        {},
      ),
    ).not.toThrow();
  });

  it('refuses a changed, removed or added shot of an approved scene, or a changed edge of one, naming the scene', () => {
    const refusals: Array<(g: Graph) => void> = [
      (g) => (g.nodes[0]!.data.prompt = 'dusk'),
      (g) => g.nodes.splice(0, 1),
      (g) => g.nodes.push({ id: 's3', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_020' } }),
      (g) => (g.nodes[1]!.data.scene = 'SCENE_01'),
      (g) => g.edges.splice(0, 1),
      (g) => g.edges.push({ id: 'e2', source: 's1', sourceHandle: 'output', target: 's2', targetHandle: 'image' }),
    ];
    for (const change of refusals)
      expect(() => checkReplacementKeepsApproved(graph, edit(change), approved)).toThrow(
        expect.objectContaining({ code: 'SCENE_LOCKED', data: { scene: 'SCENE_01' } }),
      );
  });
});
