import type { Node } from '@xyflow/svelte';
import type { NodeTypeId } from '@studio/node-schemas';

const GAP = 60;
const NODE_WIDTH = 280;

/** A node's position on the canvas, adding its group's when it sits in one. */
function absolute(node: Node, byId: Map<string, Node>): { x: number; y: number } {
  const parent = node.parentId ? byId.get(node.parentId) : undefined;
  return parent ? { x: node.position.x + parent.position.x, y: node.position.y + parent.position.y } : node.position;
}

/**
 * Where a new node of a type belongs beside the node it will connect to: a Pipeline or Asset to the
 * left of the selected Shot, a post-processing node to its right, an assembler to the right of the
 * rightmost shot. Null when there is no such node (the caller places it in the view's centre).
 */
export function besideSpot(type: NodeTypeId, nodes: readonly Node[]): { x: number; y: number } | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const shots = nodes.filter((n) => n.type === 'shot');
  const selected = shots.find((n) => n.selected);
  if (selected && (type === 'pipeline' || type === 'asset' || type === 'motionSource')) {
    const at = absolute(selected, byId);
    return { x: at.x - NODE_WIDTH - GAP, y: at.y };
  }
  if (selected && (type === 'superResolution' || type === 'videoRestoration' || type === 'audio')) {
    const at = absolute(selected, byId);
    return { x: at.x + (selected.measured?.width ?? NODE_WIDTH) + GAP, y: at.y };
  }
  if (type === 'vseAssembler' && shots.length) {
    let right = shots[0]!;
    let rightX = -Infinity;
    for (const shot of shots) {
      const x = absolute(shot, byId).x + (shot.measured?.width ?? NODE_WIDTH);
      if (x > rightX) [right, rightX] = [shot, x];
    }
    return { x: rightX + GAP, y: absolute(right, byId).y };
  }
  return null;
}
