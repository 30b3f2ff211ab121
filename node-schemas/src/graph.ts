import { z } from 'zod';
import { ElementId } from './ids.ts';
import { CANVAS_FORMAT } from './migrate/formats.ts';

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const Position = z.object({ x: Finite, y: Finite }).strict();

/** A node in Svelte Flow's shape. `data` is checked against its type's schema by validateGraph. */
export const GraphNode = z
  .object({
    id: ElementId,
    type: z.string().max(64),
    position: Position,
    data: z.record(z.string(), z.unknown()),
    parentId: ElementId.optional(),
    width: z.number().positive().max(100_000).optional(),
    height: z.number().positive().max(100_000).optional(),
    hidden: z.boolean().optional(),
    zIndex: z.int().optional(),
  })
  .strict();
export type GraphNode = z.infer<typeof GraphNode>;

export const GraphEdge = z
  .object({
    id: ElementId,
    source: ElementId,
    sourceHandle: z.string().max(64),
    target: ElementId,
    targetHandle: z.string().max(64),
    type: z.string().max(32).optional(),
    hidden: z.boolean().optional(),
  })
  .strict();
export type GraphEdge = z.infer<typeof GraphEdge>;

export const MAX_GRAPH_NODES = 20_000;
export const MAX_GRAPH_EDGES = 50_000;

/** The graph: main_canvas.json's `{version, nodes, edges}` (docs/canvas.md#the-graph). */
export const Graph = z
  .object({
    version: z.int().min(0).optional(),
    nodes: z.array(GraphNode).max(MAX_GRAPH_NODES),
    edges: z.array(GraphEdge).max(MAX_GRAPH_EDGES),
  })
  .strict();
export type Graph = z.infer<typeof Graph>;

/**
 * main_canvas.json on disk: the graph and its format version (docs/formats.md). The graph on the
 * wire (REST, WebSocket) has no `format`; older files are migrated on load by migrateCanvas.
 */
export const CanvasFile = Graph.extend({ format: z.literal(CANVAS_FORMAT) });
export type CanvasFile = z.infer<typeof CanvasFile>;
