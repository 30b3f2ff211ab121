import { getViewportForBounds, type Viewport } from '@xyflow/svelte';
import type { GraphDoc, GraphNode } from '@studio/node-schemas';
import { ESTIMATED_SIZE } from './estimated-layout';

/**
 * Below this zoom a frame of the whole graph shows only level-of-detail blocks and puts thousands
 * of nodes in view at once: a big graph opens on its first scene instead, at a zoom you can work at.
 */
export const OVERVIEW_MIN_ZOOM = 0.3;
/** A graph this small mounts whole quickly enough: it opens framed whole, however far out that is. */
export const WHOLE_GRAPH_MAX_NODES = 1500;
const PADDING = 0.1;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

function boundsOf(nodes: Iterable<GraphNode>): Bounds | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of nodes) {
    if (node.parentId) continue;
    const size = node.width && node.height ? { width: node.width, height: node.height } : (ESTIMATED_SIZE[node.type] ?? { width: 260, height: 200 });
    minX = Math.min(minX, node.position.x);
    minY = Math.min(minY, node.position.y);
    maxX = Math.max(maxX, node.position.x + size.width);
    maxY = Math.max(maxY, node.position.y + size.height);
  }
  return Number.isFinite(minX) ? { x: minX, y: minY, width: maxX - minX, height: maxY - minY } : null;
}

/** The top-level nodes of the first scene (lowest scene name): its group and the shots in it. */
function firstScene(doc: GraphDoc): GraphNode[] {
  let first: string | null = null;
  for (const node of doc.nodes.values()) {
    const scene = typeof node.data.scene === 'string' ? node.data.scene : null;
    if (scene && (node.type === 'shot' || node.type === 'sceneGroup') && (first === null || scene < first)) first = scene;
  }
  if (first === null) return [];
  return [...doc.nodes.values()].filter((n) => !n.parentId && n.data.scene === first && (n.type === 'shot' || n.type === 'sceneGroup'));
}

/** The top-left corner of some bounds at a zoom, with a margin. */
function cornerAt(bounds: Bounds, width: number, height: number, zoom: number): Viewport {
  return { x: -bounds.x * zoom + width * PADDING, y: -bounds.y * zoom + height * PADDING, zoom };
}

/**
 * Where the canvas opens, computed before the first render: the viewport saved when this project
 * was last looked at here; else the whole graph, when it fits at a zoom you can read or is small
 * enough to mount at once; else the first scene (or the top-left of the graph), at no less than OVERVIEW_MIN_ZOOM. Svelte Flow renders
 * every node in view until it is measured, so a big graph mounts a screenful, not half of itself.
 */
export function initialViewport(doc: GraphDoc, width: number, height: number, saved: Viewport | null = null): Viewport {
  if (saved) return saved;
  const all = doc.nodes.size && width && height ? boundsOf(doc.nodes.values()) : null;
  if (!all) return { x: 0, y: 0, zoom: 1 };
  const whole = getViewportForBounds(all, width, height, 0.05, 1, PADDING);
  if (whole.zoom >= OVERVIEW_MIN_ZOOM || doc.nodes.size <= WHOLE_GRAPH_MAX_NODES) return whole;
  const scene = boundsOf(firstScene(doc));
  if (scene) {
    const framed = getViewportForBounds(scene, width, height, 0.05, 1, PADDING);
    return framed.zoom >= OVERVIEW_MIN_ZOOM ? framed : cornerAt(scene, width, height, OVERVIEW_MIN_ZOOM);
  }
  return cornerAt(all, width, height, OVERVIEW_MIN_ZOOM);
}

const storageKey = (projectId: string) => `studio.viewport.${projectId}`;

/** The viewport this browser last left the project at, if any (localStorage: per user and machine). */
export function savedViewport(projectId: string): Viewport | null {
  try {
    const raw = JSON.parse(localStorage.getItem(storageKey(projectId)) ?? 'null') as Partial<Viewport> | null;
    if (!raw || ![raw.x, raw.y, raw.zoom].every((n) => typeof n === 'number' && Number.isFinite(n)) || raw.zoom! <= 0) return null;
    return { x: raw.x!, y: raw.y!, zoom: raw.zoom! };
  } catch {
    return null;
  }
}

export function saveViewport(projectId: string, viewport: Viewport): void {
  try {
    localStorage.setItem(storageKey(projectId), JSON.stringify({ x: viewport.x, y: viewport.y, zoom: viewport.zoom }));
  } catch {
    // storage full or disabled: the canvas opens on its default view next time
  }
}
