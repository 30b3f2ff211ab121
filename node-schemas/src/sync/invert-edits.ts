import { applyEdits, cloneDoc, nodeWithDescendants, type GraphDoc } from '../apply-edit.ts';
import type { GraphNode } from '../graph.ts';
import type { GraphEditOp, NodeChanges } from '../ws-messages.ts';

/** The changes that put back the fields `changes` is about to overwrite on `node`. */
function restoringChanges(node: GraphNode, changes: NodeChanges): NodeChanges {
  const back: Record<string, unknown> = {};
  for (const key of Object.keys(changes) as Array<keyof NodeChanges>) {
    if (key === 'data') {
      const data: Record<string, unknown> = {};
      for (const k of Object.keys(changes.data!)) data[k] = node.data[k] ?? null;
      back.data = data;
    } else if (key === 'parentId') back.parentId = node.parentId ?? null;
    else back[key] = (node as Record<string, unknown>)[key];
  }
  return back as NodeChanges;
}

/**
 * The edits that undo `edits` when applied right after them, computed against `doc` as it was
 * before. A removed scene group comes back with its shots and every edge they had.
 */
export function invertEdits(doc: GraphDoc, edits: readonly GraphEditOp[]): GraphEditOp[] {
  const scratch = cloneDoc(doc);
  const inverse: GraphEditOp[][] = [];
  for (const edit of edits) {
    const step: GraphEditOp[] = [];
    switch (edit.op) {
      case 'add_node':
        step.push({ op: 'remove_node', id: edit.node.id });
        break;
      case 'add_edge':
        step.push({ op: 'remove_edge', id: edit.edge.id });
        break;
      case 'remove_edge': {
        const edge = scratch.edges.get(edit.id);
        if (edge) step.push({ op: 'add_edge', edge });
        break;
      }
      case 'update_node': {
        const node = scratch.nodes.get(edit.id);
        if (node) step.push({ op: 'update_node', id: edit.id, changes: restoringChanges(node, edit.changes) });
        break;
      }
      case 'remove_node': {
        const ids = new Set(nodeWithDescendants(scratch, edit.id));
        for (const node of scratch.nodes.values()) if (ids.has(node.id)) step.push({ op: 'add_node', node });
        for (const edge of scratch.edges.values()) if (ids.has(edge.source) || ids.has(edge.target)) step.push({ op: 'add_edge', edge });
        break;
      }
    }
    applyEdits(scratch, [edit]);
    inverse.push(step);
  }
  return inverse.reverse().flat();
}
