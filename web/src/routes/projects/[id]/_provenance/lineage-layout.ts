import type { LineageNode } from '@studio/node-schemas';

export interface LineageBox {
  node: LineageNode;
  x: number;
  y: number;
}
export interface LineageArrow {
  from: LineageBox;
  to: LineageBox;
  socket: string;
}

export const BOX = { width: 300, height: 46, gapX: 56, gapY: 14 };

/**
 * Lays a lineage out left to right: what a take was made from stands to its left, one column per
 * step back (a file used twice stands in its deepest column), the take itself at the right.
 */
export function layoutLineage(nodes: LineageNode[]): { boxes: LineageBox[]; arrows: LineageArrow[]; width: number; height: number } {
  if (!nodes.length) return { boxes: [], arrows: [], width: 0, height: 0 };
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  const depth = new Map<string, number>([[nodes[0]!.path, 0]]);
  // Longest path from the root, bounded by the node count (the lineage has no cycles, but be sure).
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const node of nodes) {
      const d = depth.get(node.path);
      if (d === undefined) continue;
      for (const input of node.inputs) {
        if (!byPath.has(input.path)) continue;
        if ((depth.get(input.path) ?? -1) < d + 1) {
          depth.set(input.path, d + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  const deepest = Math.max(...depth.values());
  const rows = new Map<number, number>();
  const boxes = new Map<string, LineageBox>();
  for (const node of nodes) {
    const d = Math.min(depth.get(node.path) ?? deepest, nodes.length);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    boxes.set(node.path, { node, x: (deepest - d) * (BOX.width + BOX.gapX), y: row * (BOX.height + BOX.gapY) });
  }
  const arrows: LineageArrow[] = [];
  for (const node of nodes)
    for (const input of node.inputs) {
      const from = boxes.get(input.path);
      const to = boxes.get(node.path);
      if (from && to) arrows.push({ from, to, socket: input.socket });
    }
  const tallest = Math.max(...rows.values());
  return { boxes: [...boxes.values()], arrows, width: (deepest + 1) * BOX.width + deepest * BOX.gapX, height: tallest * BOX.height + (tallest - 1) * BOX.gapY };
}
