import { describe, expect, it } from 'vitest';
import { validateGraph } from './validate-graph.ts';
import { defaultNodeData, describeNodeTypes, NODE_TYPE_IDS } from './node-types.ts';

const shot = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse at dusk', ...extra },
});
const pipeline = (id: string) => ({ id, type: 'pipeline', position: { x: -200, y: 0 }, data: { pipelineId: 'draft-image' } });
const edge = (id: string, source: string, sourceHandle: string, target: string, targetHandle: string) => ({
  id,
  source,
  sourceHandle,
  target,
  targetHandle,
});

function issuesOf(graph: unknown) {
  const result = validateGraph(graph);
  if (result.ok) throw new Error('expected the graph to be refused');
  return result.issues;
}

describe('validateGraph', () => {
  it('accepts a shot wired to a pipeline and fills data defaults', () => {
    const result = validateGraph({
      version: 1,
      nodes: [shot('s1'), pipeline('p1')],
      edges: [edge('e1', 'p1', 'pipeline', 's1', 'pipeline')],
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.graph.nodes[0]!.data).toMatchObject({ duration: 4, activeTake: null, taskType: 'generate-image' });
    }
  });

  it('accepts a pipeline wired into a motion source, and only into its pipeline socket', () => {
    const motion = { id: 'm1', type: 'motionSource', position: { x: 0, y: 200 }, data: {} };
    const result = validateGraph({ version: 1, nodes: [motion, pipeline('p1')], edges: [edge('e1', 'p1', 'pipeline', 'm1', 'pipeline')] });
    expect(result.ok).toBe(true);
    const wrong = issuesOf({ version: 1, nodes: [motion, pipeline('p1')], edges: [edge('e1', 'p1', 'pipeline', 'm1', 'source')] });
    expect(wrong[0]!.message).toContain('incompatible sockets');
    const twice = issuesOf({
      version: 1,
      nodes: [motion, pipeline('p1'), pipeline('p2')],
      edges: [edge('e1', 'p1', 'pipeline', 'm1', 'pipeline'), edge('e2', 'p2', 'pipeline', 'm1', 'pipeline')],
    });
    expect(twice[0]!.message).toContain('already has a connection');
  });

  it('names an unknown node type', () => {
    const issues = issuesOf({ nodes: [{ ...shot('n7'), type: 'teleporter' }], edges: [] });
    expect(issues[0]).toMatchObject({ nodeId: 'n7' });
    expect(issues[0]!.message).toContain("unknown node type 'teleporter'");
  });

  it('names an edge to a missing node', () => {
    const issues = issuesOf({ nodes: [shot('s1')], edges: [edge('e9', 'ghost', 'pipeline', 's1', 'pipeline')] });
    expect(issues).toEqual([{ edgeId: 'e9', message: "edge e9: source node 'ghost' does not exist" }]);
  });

  it('names an edge between incompatible sockets', () => {
    const audio = { id: 'a1', type: 'audio', position: { x: 0, y: 0 }, data: { text: 'hello' } };
    const issues = issuesOf({ nodes: [shot('s1'), audio], edges: [edge('e2', 'a1', 'audio', 's1', 'pipeline')] });
    expect(issues[0]!.edgeId).toBe('e2');
    expect(issues[0]!.message).toContain('incompatible sockets');
    expect(issues[0]!.message).toContain('Audio cannot connect to PipelineReference');
  });

  it('names a socket the node type does not declare', () => {
    const issues = issuesOf({ nodes: [shot('s1'), pipeline('p1')], edges: [edge('e3', 'p1', 'nope', 's1', 'pipeline')] });
    expect(issues[0]!.message).toContain("has no output socket 'nope'");
  });

  it('refuses a second edge into a single input but allows many into the assembler', () => {
    const vse = { id: 'v', type: 'vseAssembler', position: { x: 0, y: 0 }, data: {} };
    const ok = validateGraph({
      nodes: [shot('s1'), shot('s2', { shot: 'SHOT_020' }), vse],
      edges: [edge('e1', 's1', 'output', 'v', 'sequence'), edge('e2', 's2', 'output', 'v', 'sequence')],
    });
    expect(ok.ok).toBe(true);
    const issues = issuesOf({
      nodes: [shot('s1'), pipeline('p1'), pipeline('p2')],
      edges: [edge('e1', 'p1', 'pipeline', 's1', 'pipeline'), edge('e2', 'p2', 'pipeline', 's1', 'pipeline')],
    });
    expect(issues[0]).toMatchObject({ edgeId: 'e2' });
  });

  it('names bad node data and unknown data fields', () => {
    expect(issuesOf({ nodes: [shot('s1', { scene: 'lobby' })], edges: [] })[0]!.message).toContain('scene');
    expect(issuesOf({ nodes: [shot('s1', { evil: true })], edges: [] })[0]!.nodeId).toBe('s1');
    expect(issuesOf({ nodes: [shot('s1', { activeTake: '../../etc/passwd' })], edges: [] })[0]!.nodeId).toBe('s1');
  });

  it('checks scene group parents', () => {
    const group = { id: 'g', type: 'sceneGroup', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01' } };
    expect(validateGraph({ nodes: [group, { ...shot('s1'), parentId: 'g' }], edges: [] }).ok).toBe(true);
    expect(issuesOf({ nodes: [pipeline('p'), { ...shot('s1'), parentId: 'p' }], edges: [] })[0]!.message).toContain('not a scene group');
    expect(issuesOf({ nodes: [{ ...shot('s1'), parentId: 'nobody' }], edges: [] })[0]!.nodeId).toBe('s1');
  });

  it('refuses duplicate ids, bad ids and non-finite positions', () => {
    expect(issuesOf({ nodes: [shot('s1'), shot('s1')], edges: [] })[0]!.message).toContain('duplicate');
    expect(issuesOf({ nodes: [shot('../x')], edges: [] })[0]!.message).toContain('id');
    expect(issuesOf({ nodes: [{ ...shot('s1'), position: { x: Infinity, y: 0 } }], edges: [] }).length).toBe(1);
    expect(issuesOf({ nodes: 'all of them', edges: [] }).length).toBeGreaterThan(0);
    expect(issuesOf(null).length).toBeGreaterThan(0);
  });
});

describe('node types', () => {
  it('declares the 9 node types of docs/canvas.md', () => {
    expect(NODE_TYPE_IDS).toEqual(['shot', 'asset', 'pipeline', 'sceneGroup', 'motionSource', 'audio', 'superResolution', 'videoRestoration', 'vseAssembler']);
    const described = describeNodeTypes();
    expect(described.find((t) => t.type === 'shot')!.outputs).toEqual([{ name: 'output', label: 'Output', type: ['Video', 'Image'] }]);
  });
  it('gives every type valid default data', () => {
    for (const t of NODE_TYPE_IDS) expect(() => defaultNodeData(t)).not.toThrow();
  });
});
