import { describe, expect, it } from 'vitest';
import { canvasChange, changedFields, nodeLabel, readSnapshot } from './canvas-change.ts';

const canvas = (nodes: unknown[], edges: unknown[] = []) => JSON.stringify({ format: 1, version: 3, nodes, edges });
const shot = (id: string, prompt: string, x = 0) => ({ id, type: 'shot', position: { x, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt } });

describe('canvas change of a commit', () => {
  it('names nodes added, changed (with the fields) and removed, and counts edges', () => {
    const before = readSnapshot(
      canvas([shot('a', 'dawn'), shot('b', 'noon'), { id: 'g', type: 'sceneGroup', position: { x: 0, y: 0 }, data: { label: 'Act one' } }], [{ id: 'e1' }]),
    );
    const after = readSnapshot(
      canvas(
        [shot('a', 'dusk', 40), shot('c', 'night'), { id: 'g', type: 'sceneGroup', position: { x: 0, y: 0 }, data: { label: 'Act one' } }],
        [{ id: 'e2' }, { id: 'e3' }],
      ),
    );
    expect(canvasChange(before, after)).toEqual({
      added: [{ id: 'c', type: 'shot', label: 'SCENE_01/SHOT_010' }],
      changed: [{ id: 'a', type: 'shot', label: 'SCENE_01/SHOT_010', fields: ['position', 'data.prompt'] }],
      removed: [{ id: 'b', type: 'shot', label: 'SCENE_01/SHOT_010' }],
      edges: { added: 2, removed: 1 },
    });
  });

  it('a first canvas is all additions; an unreadable or absent one reads as empty', () => {
    expect(canvasChange(readSnapshot(null), readSnapshot(canvas([shot('a', 'x')]))).added).toHaveLength(1);
    expect(canvasChange(readSnapshot('{not json'), readSnapshot(canvas([]))).removed).toEqual([]);
    expect(readSnapshot('[1,2]').nodes.size).toBe(0);
  });

  it('key order alone is no change; a field that appears or disappears is', () => {
    const a = { id: 'a', type: 'shot', position: { x: 1, y: 2 }, data: { prompt: 'p', scene: 'S' } };
    const reordered = { data: { scene: 'S', prompt: 'p' }, position: { x: 1, y: 2 }, type: 'shot', id: 'a' };
    expect(canvasChange(readSnapshot(canvas([a])), readSnapshot(canvas([reordered]))).changed).toEqual([]);
    expect(changedFields(a, { ...a, parentId: 'g', data: { prompt: 'p' } })).toEqual(['parentId', 'data.scene']);
  });

  it('labels: a label, else scene/shot, else a name or pipeline id, else none', () => {
    expect(nodeLabel({ id: 'x', data: { label: 'Hero' } })).toBe('Hero');
    expect(nodeLabel({ id: 'x', data: { pipelineId: 'flux-schnell' } })).toBe('flux-schnell');
    expect(nodeLabel({ id: 'x', data: {} })).toBeUndefined();
  });
});
