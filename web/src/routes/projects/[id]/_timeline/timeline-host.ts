import type { Edge, Node } from '@xyflow/svelte';

/**
 * What the timeline reads and does, whoever mounts it (the assembler node, or the canvas page's
 * dock): the canvas's nodes and edges, graph edits through the project store, and media URLs.
 */
export interface TimelineHost {
  nodes(): readonly Node[];
  edges(): readonly Edge[];
  /** One graph edit (one undo step) changing fields of a node's data. */
  updateNodeData(nodeId: string, patch: Record<string, unknown>): void;
  mediaUrl(path: string): string;
}
