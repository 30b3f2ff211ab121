import type { Graph, GraphEdge, GraphNode } from './graph.ts';
import { MAX_GRAPH_EDGES, MAX_GRAPH_NODES } from './graph.ts';
import { isNodeTypeId, NODE_TYPES } from './node-types.ts';
import { findProtoKey } from './proto-keys.ts';
import { validateEdge, validateNode, validateParent } from './validate-graph.ts';
import type { GraphEditOp } from './ws-messages.ts';

/**
 * A graph held as ordered maps for O(1) edits. Engine and web apply edits with the same code, so
 * a client that applies the server's edits in server order holds exactly the server's graph.
 */
export interface GraphDoc {
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
}

export function docFromGraph(graph: Graph): GraphDoc {
  return { nodes: new Map(graph.nodes.map((n) => [n.id, n])), edges: new Map(graph.edges.map((e) => [e.id, e])) };
}

export function graphFromDoc(doc: GraphDoc, version?: number): Graph {
  return { ...(version === undefined ? {} : { version }), nodes: [...doc.nodes.values()], edges: [...doc.edges.values()] };
}

export function cloneDoc(doc: GraphDoc): GraphDoc {
  return { nodes: new Map(doc.nodes), edges: new Map(doc.edges) };
}

export class EditRejected extends Error {
  readonly code = 'EDIT_REJECTED';
}

/** A node and everything under it (scene group children, recursively), in the map's order. */
export function nodeWithDescendants(doc: GraphDoc, id: string): string[] {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of doc.nodes.values())
      if (n.parentId !== undefined && out.has(n.parentId) && !out.has(n.id)) {
        out.add(n.id);
        grew = true;
      }
  }
  return [...out];
}

function inputTaken(doc: GraphDoc, edge: GraphEdge): boolean {
  for (const e of doc.edges.values()) if (e.target === edge.target && e.targetHandle === edge.targetHandle) return true;
  return false;
}

type Undo = () => void;

function refuseProtoKeys(data: unknown): void {
  const at = findProtoKey(data);
  if (at !== null) throw new EditRejected(`node data key '${at}' is not allowed`);
}

function applyOne(doc: GraphDoc, edit: GraphEditOp, undo: Undo[]): void {
  switch (edit.op) {
    case 'add_node': {
      const node = edit.node;
      refuseProtoKeys(node.data);
      if (doc.nodes.has(node.id)) throw new EditRejected(`node ${node.id} already exists`);
      if (doc.nodes.size >= MAX_GRAPH_NODES) throw new EditRejected(`a graph holds at most ${MAX_GRAPH_NODES} nodes`);
      const checked = validateNode(node);
      if ('message' in checked) throw new EditRejected(checked.message);
      const parentIssue = validateParent(node, doc.nodes);
      if (parentIssue) throw new EditRejected(parentIssue.message);
      doc.nodes.set(node.id, { ...node, data: checked.data });
      undo.push(() => doc.nodes.delete(node.id));
      return;
    }
    case 'update_node': {
      const before = doc.nodes.get(edit.id);
      if (!before) throw new EditRejected(`no node ${edit.id} in this project`);
      const { parentId, data, ...rest } = edit.changes;
      refuseProtoKeys(data);
      const after: GraphNode = { ...before, ...rest };
      if (parentId === null) delete after.parentId;
      else if (parentId !== undefined) after.parentId = parentId;
      if (data !== undefined) {
        const checked = validateNode({ ...after, data: { ...before.data, ...data } });
        if ('message' in checked) throw new EditRejected(checked.message);
        after.data = checked.data;
      }
      if (parentId) {
        const issue = validateParent(after, new Map(doc.nodes).set(after.id, after));
        if (issue) throw new EditRejected(issue.message);
      }
      doc.nodes.set(edit.id, after);
      undo.push(() => doc.nodes.set(edit.id, before));
      return;
    }
    case 'remove_node': {
      if (!doc.nodes.has(edit.id)) throw new EditRejected(`no node ${edit.id} in this project`);
      const removed = new Set(nodeWithDescendants(doc, edit.id));
      const nodesBefore = doc.nodes;
      const edgesBefore = doc.edges;
      doc.nodes = new Map([...doc.nodes].filter(([id]) => !removed.has(id)));
      doc.edges = new Map([...doc.edges].filter(([, e]) => !removed.has(e.source) && !removed.has(e.target)));
      undo.push(() => {
        doc.nodes = nodesBefore;
        doc.edges = edgesBefore;
      });
      return;
    }
    case 'add_edge': {
      const edge = edit.edge;
      if (doc.edges.has(edge.id)) throw new EditRejected(`edge ${edge.id} already exists`);
      if (doc.edges.size >= MAX_GRAPH_EDGES) throw new EditRejected(`a graph holds at most ${MAX_GRAPH_EDGES} edges`);
      const issue = validateEdge(edge, doc.nodes);
      if (issue) throw new EditRejected(issue.message);
      const target = doc.nodes.get(edge.target)!;
      const socket = isNodeTypeId(target.type) ? NODE_TYPES[target.type].inputs.find((s) => s.name === edge.targetHandle) : undefined;
      if (socket && !socket.multiple && inputTaken(doc, edge))
        throw new EditRejected(`edge ${edge.id}: input ${edge.target}.${edge.targetHandle} already has a connection`);
      doc.edges.set(edge.id, edge);
      undo.push(() => doc.edges.delete(edge.id));
      return;
    }
    case 'remove_edge': {
      const before = doc.edges.get(edit.id);
      if (!before) throw new EditRejected(`no edge ${edit.id} in this project`);
      const edgesBefore = doc.edges;
      doc.edges = new Map(doc.edges);
      doc.edges.delete(edit.id);
      undo.push(() => (doc.edges = edgesBefore));
      return;
    }
  }
}

/**
 * Applies a batch of edits atomically: all of them, or none (the doc is left as it was) and the
 * reason of the first that failed.
 */
export function applyEdits(doc: GraphDoc, edits: readonly GraphEditOp[]): { ok: true } | { ok: false; reason: string } {
  const undo: Undo[] = [];
  try {
    for (const edit of edits) applyOne(doc, edit, undo);
    return { ok: true };
  } catch (error) {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    if (error instanceof EditRejected) return { ok: false, reason: error.message };
    throw error;
  }
}
