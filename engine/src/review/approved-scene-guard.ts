import type { GraphDoc, GraphEditOp, GraphNode } from '@studio/node-schemas';
import { nodeWithDescendants } from '@studio/node-schemas';
import { sceneOfNode } from './graph-scenes.ts';

/** Fields of a node that only lay it out on the canvas: moving a shot of an approved scene changes nothing in the film. */
const LAYOUT_FIELDS = new Set(['position', 'width', 'height', 'zIndex', 'hidden']);
/** Scene Group data that is only how the canvas shows it. */
const GROUP_VIEW_DATA = new Set(['collapsed', 'label']);

const refusal = (scene: string) => `${scene} is approved: its shots cannot be changed until it is reopened (Review panel, Reopen)`;

/**
 * The edit guard of approved scenes (docs/governance.md#review): a batch that adds, changes or
 * removes a shot of an approved scene, or one of its edges, or moves a shot into or out of one, or
 * renames or removes an approved scene's group, is refused with the scene's name. Layout (position,
 * size) stays free. Edits are checked against the graph as the batch builds it, so a node added
 * earlier in the same batch is known.
 */
export function approvedSceneRefusal(edits: readonly GraphEditOp[], doc: GraphDoc, approved: ReadonlySet<string>): string | null {
  if (!approved.size) return null;
  // Nodes the batch added or changed so far, over the room's graph (which is not touched).
  const staged = new Map<string, GraphNode>();
  const nodeOf = (id: string) => staged.get(id) ?? doc.nodes.get(id);
  const nodes: ReadonlyMap<string, GraphNode> = { get: nodeOf } as ReadonlyMap<string, GraphNode>;
  const lockedScene = (node: GraphNode | undefined): string | null => {
    if (!node || (node.type !== 'shot' && node.type !== 'sceneGroup')) return null;
    const scene = sceneOfNode(nodes, node);
    return scene && approved.has(scene) ? scene : null;
  };
  const lockedShot = (node: GraphNode | undefined) => (node?.type === 'shot' ? lockedScene(node) : null);
  for (const edit of edits) {
    switch (edit.op) {
      case 'add_node': {
        const scene = lockedShot(edit.node) ?? (edit.node.type === 'shot' ? lockedScene(nodeOf(edit.node.parentId ?? '')) : null);
        if (scene) return refusal(scene);
        staged.set(edit.node.id, edit.node);
        break;
      }
      case 'update_node': {
        const before = nodeOf(edit.id);
        if (!before) break;
        const { parentId, data, ...rest } = edit.changes;
        const after: GraphNode = { ...before, ...rest, ...(data ? { data: { ...before.data, ...data } } : {}) };
        if (parentId === null) delete after.parentId;
        else if (parentId !== undefined) after.parentId = parentId;
        const layoutOnly = Object.keys(rest).every((k) => LAYOUT_FIELDS.has(k)) && parentId === undefined;
        const viewOnly = before.type === 'sceneGroup' && Object.keys(data ?? {}).every((k) => GROUP_VIEW_DATA.has(k));
        const dataUnchanged = data === undefined || viewOnly;
        if (!(layoutOnly && dataUnchanged)) {
          const moved = before.type === 'shot' && parentId !== undefined;
          const scene =
            (before.type === 'sceneGroup' ? lockedScene(before) : lockedShot(before)) ??
            lockedShot(after) ??
            (moved ? (lockedScene(nodeOf(before.parentId ?? '')) ?? lockedScene(nodeOf(after.parentId ?? ''))) : null);
          if (scene) return refusal(scene);
        }
        staged.set(edit.id, after);
        break;
      }
      case 'remove_node': {
        if (!nodeOf(edit.id)) break;
        for (const id of staged.has(edit.id) ? [edit.id] : nodeWithDescendants(doc, edit.id)) {
          const node = nodeOf(id);
          const scene = node?.type === 'sceneGroup' ? lockedScene(node) : lockedShot(node);
          if (scene) return refusal(scene);
        }
        break;
      }
      case 'add_edge': {
        const scene = lockedShot(nodeOf(edit.edge.source)) ?? lockedShot(nodeOf(edit.edge.target));
        if (scene) return refusal(scene);
        break;
      }
      case 'remove_edge': {
        const edge = doc.edges.get(edit.id);
        const scene = edge ? (lockedShot(nodeOf(edge.source)) ?? lockedShot(nodeOf(edge.target))) : null;
        if (scene) return refusal(scene);
        break;
      }
    }
  }
  return null;
}
