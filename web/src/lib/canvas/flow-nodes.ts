import type { Edge, Node } from '@xyflow/svelte';
import type { GraphDoc, GraphNode } from '@studio/node-schemas';
import { withEstimatedLayout } from './estimated-layout';

const SOURCE = Symbol('graph-node');
type FlowNode = Node & { [SOURCE]?: GraphNode };

const COLLAPSED_HEIGHT = 84;

/** Ids of nodes inside a collapsed scene group (hidden on the canvas, not in the saved graph). */
function hiddenByCollapse(doc: GraphDoc): Set<string> {
  const hidden = new Set<string>();
  for (const node of doc.nodes.values()) {
    let parent = node.parentId ? doc.nodes.get(node.parentId) : undefined;
    while (parent) {
      if (parent.type === 'sceneGroup' && parent.data.collapsed === true) {
        hidden.add(node.id);
        break;
      }
      parent = parent.parentId ? doc.nodes.get(parent.parentId) : undefined;
    }
  }
  return hidden;
}

/**
 * Svelte Flow's node array from the synced graph. A node whose graph object is unchanged keeps its
 * flow object (Svelte Flow skips it); changed ones keep their UI state (selection, measured size).
 * Parents come before their children, as Svelte Flow requires.
 */
export function toFlowNodes(doc: GraphDoc, current: readonly Node[]): Node[] {
  const currentById = new Map(current.map((n) => [n.id, n as FlowNode]));
  const hidden = hiddenByCollapse(doc);
  const depthOf = (n: GraphNode): number => {
    let depth = 0;
    for (let p = n.parentId; p && depth < 32; p = doc.nodes.get(p)?.parentId) depth++;
    return depth;
  };
  const byDepth: FlowNode[][] = [];
  for (const graphNode of doc.nodes.values()) {
    const existing = currentById.get(graphNode.id);
    const isHidden = hidden.has(graphNode.id);
    let flow: FlowNode;
    if (existing && existing[SOURCE] === graphNode && Boolean(existing.hidden) === isHidden) flow = existing;
    else {
      const collapsed = graphNode.type === 'sceneGroup' && graphNode.data.collapsed === true;
      flow = {
        ...graphNode,
        ...(graphNode.parentId ? { extent: 'parent' as const } : {}),
        hidden: isHidden,
        height: collapsed ? COLLAPSED_HEIGHT : graphNode.height,
        selected: existing?.selected,
        measured: existing?.measured,
        // Brought to the front by a click (view state, not saved): it stays there across rebuilds.
        ...(existing?.zIndex !== undefined && graphNode.type !== 'sceneGroup' ? { zIndex: existing.zIndex } : {}),
        [SOURCE]: graphNode,
      } as FlowNode;
      if (graphNode.type === 'sceneGroup') flow.zIndex = -1;
      flow = withEstimatedLayout(flow);
    }
    (byDepth[depthOf(graphNode)] ??= []).push(flow);
  }
  return byDepth.flat();
}

export function toFlowEdges(doc: GraphDoc, current: readonly Edge[]): Edge[] {
  const currentById = new Map(current.map((e) => [e.id, e]));
  const out: Edge[] = [];
  for (const edge of doc.edges.values()) {
    const existing = currentById.get(edge.id);
    out.push(
      existing && existing.source === edge.source && existing.target === edge.target && existing.sourceHandle === edge.sourceHandle
        ? existing
        : { ...edge, selected: existing?.selected },
    );
  }
  return out;
}
