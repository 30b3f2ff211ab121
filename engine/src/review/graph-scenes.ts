import type { GraphNode } from '@studio/node-schemas';

const sceneNumber = (scene: string) => Number(scene.replace(/\D/g, '')) || 0;

/** A node's scene: a shot's or Scene Group's `data.scene`, or the scene of the group it sits in. */
export function sceneOfNode(nodes: ReadonlyMap<string, GraphNode>, node: GraphNode): string | null {
  if ((node.type === 'shot' || node.type === 'sceneGroup') && typeof node.data.scene === 'string') return node.data.scene;
  const parent = node.parentId ? nodes.get(node.parentId) : undefined;
  return parent?.type === 'sceneGroup' && typeof parent.data.scene === 'string' ? parent.data.scene : null;
}

/** The scenes of a graph in running order (scene number), each with how many shots it has. */
export function scenesOfGraph(nodes: Iterable<GraphNode>): Array<{ scene: string; shots: number }> {
  const shots = new Map<string, number>();
  for (const node of nodes) {
    if (node.type !== 'shot' && node.type !== 'sceneGroup') continue;
    const scene = node.data.scene;
    if (typeof scene !== 'string') continue;
    shots.set(scene, (shots.get(scene) ?? 0) + (node.type === 'shot' ? 1 : 0));
  }
  return [...shots]
    .map(([scene, count]) => ({ scene, shots: count }))
    .sort((a, b) => sceneNumber(a.scene) - sceneNumber(b.scene) || a.scene.localeCompare(b.scene));
}
