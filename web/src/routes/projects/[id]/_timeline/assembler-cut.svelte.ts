import type { Edge, Node } from '@xyflow/svelte';
import { sequenceShots, type Graph, type SequenceShots } from '@studio/node-schemas';
import type { TakeLengths } from './take-lengths.svelte';

/** One shot of the timeline: the compiled shot and what the strip shows and edits of it. */
export interface CutShot {
  nodeId: string;
  sourceNodeId: string;
  name: string;
  take: string | null;
  inFrames: number;
  frames: number;
  dissolveFrames: number;
  /** The shot's own transition into the next shot, as asked (before it is fitted). */
  transition: { type: 'cut' | 'dissolve'; frames: number } | null;
  /** The frames its take holds at the sequence rate: the trim limit. */
  takeFrames: number;
}

export interface AssemblerCutState {
  fps: number;
  shots: CutShot[];
  frames: number;
  missing: SequenceShots['missing'];
  warnings: SequenceShots['warnings'];
}

/** The last graph built, shared by every assembler on the canvas: one build per change of the canvas, not one each. */
let last: { nodes: readonly Node[] | null; edges: readonly Edge[] | null; key: unknown[]; graph: Graph | null } = {
  nodes: null,
  edges: null,
  key: [],
  graph: null,
};

/**
 * The graph of the canvas's nodes and edges, the same object while only positions change (a drag
 * moves nodes, their data objects stay), so what is compiled from it is not compiled again.
 */
function graphOf(nodes: readonly Node[], edges: readonly Edge[]): Graph {
  if (last.graph && last.nodes === nodes && last.edges === edges) return last.graph;
  const key: unknown[] = [edges.length];
  for (const n of nodes) key.push(n.id, n.type, n.data);
  for (const e of edges) key.push(e.source, e.target, e.targetHandle);
  const known = last.graph;
  if (known && key.length === last.key.length && key.every((k, i) => k === last.key[i])) {
    last = { ...last, nodes, edges };
    return known;
  }
  const graph = {
    version: 1,
    nodes: nodes.map((n) => ({ id: n.id, type: n.type, position: n.position, data: n.data })),
    edges: edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target, targetHandle: e.targetHandle ?? '' })),
  } as unknown as Graph;
  last = { nodes, edges, key, graph };
  return graph;
}

const EMPTY: AssemblerCutState = { fps: 24, shots: [], frames: 0, missing: [], warnings: [] };

/**
 * An assembler's cut compiled in the browser with the same sequenceShots the EDL is written from,
 * and with the takes' real lengths as the browser reads them, so trims are checked against the
 * take, not the shot's asked duration. Recompiled only when node data or edges change (dragging
 * nodes around the canvas moves positions, not data).
 */
export class AssemblerCut {
  #nodes: () => readonly Node[];
  #edges: () => readonly Edge[];
  #id: () => string;
  #lengths: TakeLengths;

  constructor(args: { nodes: () => readonly Node[]; edges: () => readonly Edge[]; assemblerId: () => string; lengths: TakeLengths }) {
    this.#nodes = args.nodes;
    this.#edges = args.edges;
    this.#id = args.assemblerId;
    this.#lengths = args.lengths;
  }

  #graph = $derived.by(() => graphOf(this.#nodes(), this.#edges()));

  current: AssemblerCutState = $derived.by(() => {
    const graph = this.#graph;
    const id = this.#id();
    const assembler = graph.nodes.find((n) => n.id === id);
    if (!assembler) return EMPTY;
    const fps = Number((assembler.data.fps as string | undefined) ?? 24);
    // Takes are probed first (the probe answers later for videos), then compiled with what is known.
    // Only the takes in this cut are probed: a first pass finds them.
    const takes = sequenceShots(graph, id, fps).shots.flatMap((s) => (s.take ? [s.take] : []));
    const media = this.#lengths.media(takes);
    const cut = sequenceShots(graph, id, fps, media);
    // Throwaway lookups inside one derivation: nothing renders them.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const names = new Map(cut.missing.map((m) => [m.nodeId, m.name]));
    const shots = cut.shots.map((s): CutShot => {
      const data = byId.get(s.nodeId)!.data as { duration: number; transition?: { type: 'cut' | 'dissolve'; frames: number } };
      const seconds = (s.take ? media[s.take]?.seconds : null) ?? data.duration;
      return {
        nodeId: s.nodeId,
        sourceNodeId: s.sourceNodeId,
        name: names.get(s.sourceNodeId) ?? `${s.scene}/${s.shot}`,
        take: s.take,
        inFrames: s.inFrames,
        frames: s.frames,
        dissolveFrames: s.dissolveFrames,
        transition: data.transition ?? null,
        takeFrames: Math.max(1, Math.round(seconds * fps)),
      };
    });
    return { fps, shots, frames: cut.frames, missing: cut.missing, warnings: cut.warnings };
  });
}
