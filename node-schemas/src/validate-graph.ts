import { z } from 'zod';
import { Graph, type GraphEdge, type GraphNode } from './graph.ts';
import { isNodeTypeId, NODE_TYPES } from './node-types.ts';
import { socketIncompatibility } from './sockets.ts';

/** One thing wrong with a graph, naming the node or edge at fault. */
export interface GraphIssue {
  nodeId?: string;
  edgeId?: string;
  message: string;
}

export type GraphValidation = { ok: true; graph: Graph } | { ok: false; issues: GraphIssue[] };

function zodIssues(error: z.ZodError, graphLike: unknown): GraphIssue[] {
  return error.issues.slice(0, 20).map((issue) => {
    const [kind, index, ...rest] = issue.path;
    const list = (graphLike as Record<string, unknown[]> | null)?.[kind as string];
    const element = typeof index === 'number' && Array.isArray(list) ? (list[index] as { id?: unknown }) : undefined;
    const id = typeof element?.id === 'string' ? element.id : undefined;
    const where = rest.length ? ` at ${rest.join('.')}` : '';
    if (kind === 'nodes' && id !== undefined) return { nodeId: id, message: `node ${id}${where}: ${issue.message}` };
    if (kind === 'edges' && id !== undefined) return { edgeId: id, message: `edge ${id}${where}: ${issue.message}` };
    return { message: `${issue.path.join('.') || 'graph'}: ${issue.message}` };
  });
}

/** Checks one node's type and data. Returns the parsed data (defaults applied) or an issue. */
export function validateNode(node: GraphNode): { data: Record<string, unknown> } | GraphIssue {
  if (!isNodeTypeId(node.type)) return { nodeId: node.id, message: `node ${node.id}: unknown node type '${node.type}'` };
  const parsed = NODE_TYPES[node.type].data.safeParse(node.data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const field = first.path.join('.') || 'data';
    return { nodeId: node.id, message: `node ${node.id} (${node.type}): ${field}: ${first.message}` };
  }
  return { data: parsed.data as Record<string, unknown> };
}

/** Checks one edge against the nodes it joins. Returns an issue or null. */
export function validateEdge(edge: GraphEdge, nodesById: ReadonlyMap<string, GraphNode>): GraphIssue | null {
  const fail = (message: string): GraphIssue => ({ edgeId: edge.id, message: `edge ${edge.id}: ${message}` });
  const source = nodesById.get(edge.source);
  const target = nodesById.get(edge.target);
  if (!source) return fail(`source node '${edge.source}' does not exist`);
  if (!target) return fail(`target node '${edge.target}' does not exist`);
  if (edge.source === edge.target) return fail('a node cannot connect to itself');
  if (!isNodeTypeId(source.type) || !isNodeTypeId(target.type)) return fail('joins a node of unknown type');
  const out = NODE_TYPES[source.type].outputs.find((s) => s.name === edge.sourceHandle);
  if (!out) return fail(`${source.type} node '${source.id}' has no output socket '${edge.sourceHandle}'`);
  const inp = NODE_TYPES[target.type].inputs.find((s) => s.name === edge.targetHandle);
  if (!inp) return fail(`${target.type} node '${target.id}' has no input socket '${edge.targetHandle}'`);
  const reason = socketIncompatibility(out.type, inp.type);
  if (reason) return fail(`incompatible sockets: ${source.id}.${out.name} (${reason}) -> ${target.id}.${inp.name}`);
  return null;
}

/** Checks a node's parent: it must exist, be a scene group, and not make a cycle. */
export function validateParent(node: GraphNode, nodesById: ReadonlyMap<string, GraphNode>): GraphIssue | null {
  if (node.parentId === undefined) return null;
  const parent = nodesById.get(node.parentId);
  if (!parent) return { nodeId: node.id, message: `node ${node.id}: parent '${node.parentId}' does not exist` };
  if (parent.type !== 'sceneGroup') return { nodeId: node.id, message: `node ${node.id}: parent '${node.parentId}' is not a scene group` };
  const seen = new Set([node.id]);
  for (let p: GraphNode | undefined = parent; p; p = p.parentId ? nodesById.get(p.parentId) : undefined) {
    if (seen.has(p.id)) return { nodeId: node.id, message: `node ${node.id}: scene groups nest in a cycle` };
    seen.add(p.id);
  }
  return null;
}

/**
 * Validates a whole graph: structure, unique ids, known node types and their data, parents,
 * edges between existing nodes on declared and compatible sockets, single-edge inputs.
 * On success returns the graph with node data normalised (defaults applied).
 */
export function validateGraph(input: unknown): GraphValidation {
  const parsed = Graph.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, input) };
  const graph = parsed.data;
  const issues: GraphIssue[] = [];
  const nodesById = new Map<string, GraphNode>();
  const nodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    if (nodesById.has(node.id)) {
      issues.push({ nodeId: node.id, message: `node ${node.id}: duplicate node id` });
      continue;
    }
    nodesById.set(node.id, node);
    const checked = validateNode(node);
    if ('message' in checked) issues.push(checked);
    else nodes.push({ ...node, data: checked.data });
  }
  for (const node of graph.nodes) {
    const issue = validateParent(node, nodesById);
    if (issue) issues.push(issue);
  }
  const edgeIds = new Set<string>();
  const filledInputs = new Set<string>();
  for (const edge of graph.edges) {
    if (edgeIds.has(edge.id)) {
      issues.push({ edgeId: edge.id, message: `edge ${edge.id}: duplicate edge id` });
      continue;
    }
    edgeIds.add(edge.id);
    const issue = validateEdge(edge, nodesById);
    if (issue) {
      issues.push(issue);
      continue;
    }
    const target = nodesById.get(edge.target)!;
    const socket = NODE_TYPES[target.type as keyof typeof NODE_TYPES].inputs.find((s) => s.name === edge.targetHandle)!;
    const key = `${edge.target}\u0000${edge.targetHandle}`;
    if (!socket.multiple && filledInputs.has(key))
      issues.push({ edgeId: edge.id, message: `edge ${edge.id}: input ${edge.target}.${edge.targetHandle} already has a connection` });
    filledInputs.add(key);
  }
  if (issues.length) return { ok: false, issues: issues.slice(0, 50) };
  return { ok: true, graph: { ...graph, nodes } };
}
