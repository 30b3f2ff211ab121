import { Position, type NodeHandle } from '@xyflow/svelte';
import { NODE_TYPES } from '@studio/node-schemas';

/** Rough rendered sizes, good enough to frame a graph and cull it before its nodes are measured. */
export const ESTIMATED_SIZE: Record<string, { width: number; height: number }> = {
  shot: { width: 280, height: 480 },
  pipeline: { width: 260, height: 140 },
  asset: { width: 260, height: 240 },
  audio: { width: 260, height: 300 },
  motionSource: { width: 260, height: 240 },
  superResolution: { width: 260, height: 130 },
  videoRestoration: { width: 260, height: 130 },
  vseAssembler: { width: 280, height: 360 },
};
const FALLBACK_SIZE = { width: 260, height: 200 };

/** Where NodeFrame draws its socket rows: a header, then one row per socket (inputs left, outputs right). */
const HEADER = 30;
const ROW = 19.5;
const HANDLE = 8;

/** A node type's handles where NodeFrame puts them, for edges to nodes not yet measured. */
export function estimatedHandles(type: string, width: number): NodeHandle[] {
  const spec = (NODE_TYPES as Record<string, { inputs: Array<{ name: string }>; outputs: Array<{ name: string }> }>)[type];
  if (!spec) return [];
  const at = (row: number) => HEADER + ROW * row + (ROW - HANDLE) / 2;
  return [
    ...spec.inputs.map((s, i) => ({ id: s.name, type: 'target' as const, position: Position.Left, x: -HANDLE / 2, y: at(i), width: HANDLE, height: HANDLE })),
    ...spec.outputs.map((s, i) => ({
      id: s.name,
      type: 'source' as const,
      position: Position.Right,
      x: width - HANDLE / 2,
      y: at(i),
      width: HANDLE,
      height: HANDLE,
    })),
  ];
}

/**
 * Gives a node that was never measured an estimated size and handles. Svelte Flow mounts every node
 * without handle bounds once, wherever it is, to measure it: with 5,000 nodes that is 5,000 mounts
 * before it culls to the view. With estimates it mounts only the nodes in view.
 *
 * The handles are not enumerable on purpose: Svelte Flow copies a node (`{...node}`) when it writes
 * back the measured size, so the copy drops the estimates and keeps the measured handle bounds
 * (a node carrying `handles` would have its real bounds replaced by these on every update).
 */
export function withEstimatedLayout<T extends { type?: string; width?: number; height?: number; measured?: unknown }>(node: T): T {
  if (node.measured) return node;
  const size = node.width && node.height ? { width: node.width, height: node.height } : (ESTIMATED_SIZE[node.type ?? ''] ?? FALLBACK_SIZE);
  const estimated = { ...node, initialWidth: size.width, initialHeight: size.height };
  Object.defineProperty(estimated, 'handles', { value: estimatedHandles(node.type ?? '', size.width), enumerable: false, configurable: true, writable: true });
  return estimated;
}
