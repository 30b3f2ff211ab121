import { isNodeTypeId, NODE_TYPES, socketIncompatibility, type GraphDoc } from '@studio/node-schemas';

export interface ConnectionAttempt {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

/** Why this connection is refused, or null when it may be made. Same rule the engine enforces. */
export function connectionProblem(doc: GraphDoc, c: ConnectionAttempt): string | null {
  const source = doc.nodes.get(c.source);
  const target = doc.nodes.get(c.target);
  if (!source || !target) return 'that node is gone';
  if (source.id === target.id) return 'a node cannot connect to itself';
  if (!isNodeTypeId(source.type) || !isNodeTypeId(target.type)) return 'unknown node type';
  const out = NODE_TYPES[source.type].outputs.find((s) => s.name === c.sourceHandle);
  const inp = NODE_TYPES[target.type].inputs.find((s) => s.name === c.targetHandle);
  if (!out || !inp) return 'connect an output to an input';
  const reason = socketIncompatibility(out.type, inp.type);
  if (reason) return reason;
  if (!inp.multiple)
    for (const e of doc.edges.values()) if (e.target === target.id && e.targetHandle === inp.name) return `${inp.label} already has a connection`;
  return null;
}
