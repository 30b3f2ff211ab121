import { getViewportForBounds, type Viewport } from '@xyflow/svelte';
import type { GraphDoc } from '@studio/node-schemas';

/** Rough rendered sizes, good enough to frame a graph before its nodes are measured. */
const ESTIMATED_SIZE: Record<string, { width: number; height: number }> = {
  shot: { width: 280, height: 480 },
  pipeline: { width: 260, height: 140 },
  asset: { width: 260, height: 240 },
  audio: { width: 260, height: 300 },
  motionSource: { width: 260, height: 240 },
  superResolution: { width: 260, height: 130 },
  videoRestoration: { width: 260, height: 130 },
  vseAssembler: { width: 280, height: 360 },
};

/**
 * The viewport that frames the whole graph, computed before the first render. Svelte Flow renders
 * every node until it is measured, so starting at the right zoom lets a large graph mount once,
 * in the light body it will be shown with, instead of in full detail and then again.
 */
export function initialViewport(doc: GraphDoc, width: number, height: number): Viewport {
  if (!doc.nodes.size || !width || !height) return { x: 0, y: 0, zoom: 1 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of doc.nodes.values()) {
    if (node.parentId) continue;
    const size = node.width && node.height ? { width: node.width, height: node.height } : (ESTIMATED_SIZE[node.type] ?? { width: 260, height: 200 });
    minX = Math.min(minX, node.position.x);
    minY = Math.min(minY, node.position.y);
    maxX = Math.max(maxX, node.position.x + size.width);
    maxY = Math.max(maxY, node.position.y + size.height);
  }
  return getViewportForBounds({ x: minX, y: minY, width: maxX - minX, height: maxY - minY }, width, height, 0.05, 1, 0.1);
}
