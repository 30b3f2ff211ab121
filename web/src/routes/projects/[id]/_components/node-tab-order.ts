import type { Node } from '@xyflow/svelte';

/** A node's position on the canvas, adding its group's when it sits in one. */
function absolute(node: Node, byId: Map<string, Node>): { x: number; y: number } {
  const parent = node.parentId ? byId.get(node.parentId) : undefined;
  return parent ? { x: node.position.x + parent.position.x, y: node.position.y + parent.position.y } : node.position;
}

/**
 * The node Tab moves to from `currentId`: nodes in reading order (top to bottom in rows of 200
 * px, then left to right), wrapping around; Shift+Tab goes back. Hidden nodes (a collapsed
 * group's) are skipped. Null when there is no other node.
 */
export function nextNodeInTabOrder(nodes: readonly Node[], currentId: string, backwards: boolean): { node: Node; center: { x: number; y: number } } | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const order = nodes
    .filter((n) => !n.hidden)
    .map((n) => {
      const at = absolute(n, byId);
      const width = n.measured?.width ?? n.width ?? 280;
      const height = n.measured?.height ?? n.height ?? 300;
      return { node: n, at, center: { x: at.x + width / 2, y: at.y + Math.min(height, 400) / 2 } };
    })
    .sort((a, b) => Math.floor(a.at.y / 200) - Math.floor(b.at.y / 200) || a.at.x - b.at.x || a.node.id.localeCompare(b.node.id));
  if (order.length < 2) return null;
  const index = order.findIndex((o) => o.node.id === currentId);
  const next = order[(index + (backwards ? -1 : 1) + order.length) % order.length]!;
  return { node: next.node, center: next.center };
}
