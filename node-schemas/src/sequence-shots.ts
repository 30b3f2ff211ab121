import type { Graph, GraphNode } from './graph.ts';

/** One shot of a cut, in running order, and the node whose active take it uses. */
export interface SequenceShot {
  nodeId: string;
  scene: string;
  shot: string;
  /** The shot itself, or the last post-processing node (VideoRestoration, SuperResolution) of its chain. */
  sourceNodeId: string;
  take: string | null;
  /** Source in, and length, in frames at the sequence's rate. */
  inFrames: number;
  frames: number;
  /** Frames of dissolve from the previous shot (0 for a cut). */
  dissolveFrames: number;
}

export interface SequenceShots {
  shots: SequenceShot[];
  /** What lacks an active take, by name. */
  missing: Array<{ nodeId: string; name: string }>;
  /** Record duration in frames (dissolves overlap their clips). */
  frames: number;
}

const num = (s: string) => Number(s.replace(/\D/g, '')) || 0;

/**
 * The shots wired into a VSE Assembler's Sequence input, in running order (scene, then shot
 * number), with their in and out points and the dissolves between them. Used by the engine to
 * compile the EDL and by the canvas to show the running order.
 */
export function sequenceShots(graph: Graph, assemblerId: string, fps: number): SequenceShots {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const firstInput = new Map<string, string>();
  for (const e of graph.edges) if (!firstInput.has(e.target)) firstInput.set(e.target, e.source);
  const shotOf = (node: GraphNode): GraphNode | null => {
    for (let current: GraphNode | undefined = node, depth = 0; current && depth < 32; depth++) {
      if (current.type === 'shot') return current;
      current = nodes.get(firstInput.get(current.id) ?? '');
    }
    return null;
  };
  const shots: SequenceShot[] = [];
  const missing: SequenceShots['missing'] = [];
  for (const edge of graph.edges) {
    if (edge.target !== assemblerId || edge.targetHandle !== 'sequence') continue;
    const source = nodes.get(edge.source);
    const shot = source ? shotOf(source) : null;
    if (!source || !shot) continue;
    const d = shot.data as { scene: string; shot: string; duration: number; inPoint?: number; outPoint?: number };
    const inFrames = Math.round((d.inPoint ?? 0) * fps);
    const outFrames = Math.round(Math.min(d.outPoint ?? d.duration, d.duration) * fps);
    const take = (source.data.activeTake as string | null | undefined) ?? null;
    if (!take) missing.push({ nodeId: source.id, name: source === shot ? `${d.scene}/${d.shot}` : `${d.scene}/${d.shot} (${source.type} ${source.id})` });
    shots.push({ nodeId: shot.id, scene: d.scene, shot: d.shot, sourceNodeId: source.id, take, inFrames, frames: Math.max(1, outFrames - inFrames), dissolveFrames: 0 });
  }
  shots.sort((a, b) => num(a.scene) - num(b.scene) || num(a.shot) - num(b.shot));
  let frames = 0;
  shots.forEach((s, i) => {
    // A shot's transition is the one into the next shot.
    const prev = i > 0 ? (nodes.get(shots[i - 1]!.nodeId)!.data as { transition?: { type: string; frames: number } }) : null;
    if (prev?.transition?.type === 'dissolve' && prev.transition.frames > 0)
      s.dissolveFrames = Math.min(prev.transition.frames, s.frames - 1, shots[i - 1]!.frames - 1);
    frames += s.frames - s.dissolveFrames;
  });
  return { shots, missing, frames };
}
