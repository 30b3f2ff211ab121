import type { CanvasChange, CanvasNodeRef } from '@studio/node-schemas';

type RawNode = { id: string; type?: unknown; data?: unknown; [key: string]: unknown };
type RawEdge = { id: string };

/** The nodes and edges of a canvas file as history holds it (any format: only ids, types and fields are read). */
export interface CanvasSnapshot {
  nodes: Map<string, RawNode>;
  edges: Set<string>;
}

const EMPTY: CanvasSnapshot = { nodes: new Map(), edges: new Set() };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a canvas file's bytes; a file that is not a canvas (hand-edited, half-written) reads as an empty one. */
export function readSnapshot(bytes: Buffer | string | null | undefined): CanvasSnapshot {
  if (bytes === null || bytes === undefined) return EMPTY;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString());
  } catch {
    return EMPTY;
  }
  if (!isRecord(raw)) return EMPTY;
  const nodes = new Map<string, RawNode>();
  for (const node of Array.isArray(raw.nodes) ? raw.nodes : []) if (isRecord(node) && typeof node.id === 'string') nodes.set(node.id, node as RawNode);
  const edges = new Set<string>();
  for (const edge of Array.isArray(raw.edges) ? raw.edges : []) if (isRecord(edge) && typeof edge.id === 'string') edges.add((edge as RawEdge).id);
  return { nodes, edges };
}

/** A node's name in the History panel: its label, a shot's scene/shot, or an asset's name. */
export function nodeLabel(node: RawNode): string | undefined {
  const data = isRecord(node.data) ? node.data : {};
  if (typeof data.label === 'string' && data.label.trim()) return data.label;
  if (typeof data.scene === 'string' && typeof data.shot === 'string') return `${data.scene}/${data.shot}`;
  for (const key of ['name', 'title', 'pipelineId']) if (typeof data[key] === 'string' && (data[key] as string).trim()) return data[key] as string;
  return undefined;
}

function ref(node: RawNode): CanvasNodeRef {
  const label = nodeLabel(node);
  return { id: node.id, type: typeof node.type === 'string' ? node.type : 'unknown', ...(label === undefined ? {} : { label }) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of a node that differ: top-level keys (`position`, `parentId`, ...) and `data.<key>` for its data. */
export function changedFields(before: RawNode, after: RawNode): string[] {
  const fields: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    if (key === 'data') continue;
    if (!same(before[key], after[key])) fields.push(key);
  }
  const a = isRecord(before.data) ? before.data : {};
  const b = isRecord(after.data) ? after.data : {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) if (!same(a[key], b[key])) fields.push(`data.${key}`);
  return fields;
}

/** What a commit did to the canvas, from the canvas before it and after it. */
export function canvasChange(before: CanvasSnapshot, after: CanvasSnapshot): CanvasChange {
  const change: CanvasChange = { added: [], changed: [], removed: [], edges: { added: 0, removed: 0 } };
  for (const [id, node] of after.nodes) {
    const old = before.nodes.get(id);
    if (!old) change.added.push(ref(node));
    else if (!same(old, node)) {
      const fields = changedFields(old, node);
      if (fields.length) change.changed.push({ ...ref(node), fields });
    }
  }
  for (const [id, node] of before.nodes) if (!after.nodes.has(id)) change.removed.push(ref(node));
  for (const id of after.edges) if (!before.edges.has(id)) change.edges.added++;
  for (const id of before.edges) if (!after.edges.has(id)) change.edges.removed++;
  return change;
}
