import type { GraphDoc, GraphEditOp } from '@studio/node-schemas';

/**
 * The edits that delete what the canvas removed. Removing a node takes its edges and, for a scene
 * group, its shots with it, so those are not named again (a second removal would be refused).
 */
export function deletionEdits(doc: GraphDoc, nodeIds: Iterable<string>, edgeIds: Iterable<string>): GraphEditOp[] {
  const removed = new Set([...nodeIds].filter((id) => doc.nodes.has(id)));
  const coveredByAncestor = (id: string) => {
    for (let p = doc.nodes.get(id)?.parentId; p; p = doc.nodes.get(p)?.parentId) if (removed.has(p)) return true;
    return false;
  };
  const edits: GraphEditOp[] = [];
  for (const id of edgeIds) {
    const edge = doc.edges.get(id);
    if (edge && !removed.has(edge.source) && !removed.has(edge.target)) edits.push({ op: 'remove_edge', id });
  }
  for (const id of removed) if (!coveredByAncestor(id)) edits.push({ op: 'remove_node', id });
  return edits;
}
