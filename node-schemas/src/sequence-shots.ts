import type { SequenceWarning } from './api/assembly.ts';
import type { Graph, GraphNode } from './graph.ts';

/** One shot of a cut, in running order, and the node whose active take it uses. */
export interface SequenceShot {
  nodeId: string;
  scene: string;
  shot: string;
  /** The shot itself, or the last post-processing node (VideoRestoration, SuperResolution) of its chain. */
  sourceNodeId: string;
  take: string | null;
  /** The in point in seconds, as trimmed (sources at their own rate count their frames from it). */
  inSeconds: number;
  /** Source in, and length, in frames at the sequence's rate. */
  inFrames: number;
  frames: number;
  /** Frames of dissolve from the previous shot (0 for a cut), as it will be written. */
  dissolveFrames: number;
}

/** What the assembler shows on a shot before export: a zod schema, as the edl/check and edl answers carry it. */
export type { SequenceWarning };

/** A take as probed: its length in seconds (null for a still, which holds any length) and rate. */
export interface TakeMedia {
  seconds: number | null;
  /** Its frame rate where it is a known one (e.g. "24"), else null. */
  rate: string | null;
}

export interface SequenceShots {
  shots: SequenceShot[];
  /** What lacks an active take, by name. */
  missing: Array<{ nodeId: string; name: string }>;
  /** Record duration in frames (dissolves overlap their clips). */
  frames: number;
  warnings: SequenceWarning[];
}

const num = (s: string) => Number(s.replace(/\D/g, '')) || 0;

/**
 * The shots wired into a VSE Assembler's Sequence input, in running order (scene, then shot
 * number), with their in and out points and the dissolves between them, checked: in and out
 * points against the shot (and against the take's probed length when `media` knows it), and each
 * dissolve shortened, with a notice, to what both clips can give (a clip between two dissolves
 * must hold both). Used by the engine to compile the EDL and by the canvas to show the running
 * order, so the two always agree on the total.
 */
export function sequenceShots(graph: Graph, assemblerId: string, fps: number, media: Record<string, TakeMedia> = {}): SequenceShots {
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
  const warnings: SequenceWarning[] = [];
  for (const edge of graph.edges) {
    if (edge.target !== assemblerId || edge.targetHandle !== 'sequence') continue;
    const source = nodes.get(edge.source);
    const shot = source ? shotOf(source) : null;
    if (!source || !shot) continue;
    const d = shot.data as { scene: string; shot: string; duration: number; inPoint?: number; outPoint?: number };
    const take = (source.data.activeTake as string | null | undefined) ?? null;
    const warn = (severity: SequenceWarning['severity'], code: SequenceWarning['code'], message: string) =>
      warnings.push({ nodeId: shot.id, scene: d.scene, shot: d.shot, severity, code, message });
    if (!take) missing.push({ nodeId: source.id, name: source === shot ? `${d.scene}/${d.shot}` : `${d.scene}/${d.shot} (${source.type} ${source.id})` });
    const probed = take ? (media[take]?.seconds ?? null) : null;
    const length = trimmedLength({ data: d, probed, fps, warn });
    shots.push({
      nodeId: shot.id,
      scene: d.scene,
      shot: d.shot,
      sourceNodeId: source.id,
      take,
      inSeconds: length.inSeconds,
      inFrames: length.inFrames,
      frames: length.frames,
      dissolveFrames: 0,
    });
  }
  shots.sort((a, b) => num(a.scene) - num(b.scene) || num(a.shot) - num(b.shot));
  let frames = 0;
  shots.forEach((s, i) => {
    // A shot's transition is the one into the next shot.
    const prevShot = i > 0 ? shots[i - 1]! : null;
    const prev = prevShot ? (nodes.get(prevShot.nodeId)!.data as { transition?: { type: string; frames: number } }) : null;
    if (prevShot && prev?.transition?.type === 'dissolve' && prev.transition.frames > 0) {
      const asked = prev.transition.frames;
      // The outgoing clip keeps its own dissolve in (or one frame); the incoming one must hold it all.
      const fits = Math.min(asked, prevShot.frames - Math.max(1, prevShot.dissolveFrames), s.frames);
      const name = `${prevShot.scene}/${prevShot.shot} -> ${s.scene}/${s.shot}`;
      const warnPrev = (code: SequenceWarning['code'], message: string) =>
        warnings.push({ nodeId: prevShot.nodeId, scene: prevShot.scene, shot: prevShot.shot, severity: 'notice', code, message });
      if (fits < 1) warnPrev('DISSOLVE_DROPPED', `dissolve ${name} of ${asked} frames does not fit (the clips are too short): written as a cut`);
      else if (fits < asked) warnPrev('DISSOLVE_SHORTENED', `dissolve ${name} shortened from ${asked} to ${fits} frames: the clips hold no more`);
      s.dissolveFrames = Math.max(0, fits);
    }
    frames += s.frames - s.dissolveFrames;
  });
  return { shots, missing, frames, warnings };
}

/** In frame and length at the sequence rate, refusing trims outside the shot or its probed take. */
function trimmedLength(args: {
  data: { scene: string; shot: string; duration: number; inPoint?: number; outPoint?: number };
  probed: number | null;
  fps: number;
  warn: (severity: SequenceWarning['severity'], code: SequenceWarning['code'], message: string) => void;
}): { inSeconds: number; inFrames: number; frames: number } {
  const { data: d, probed, fps, warn } = args;
  const halfFrame = 0.5 / fps;
  const takeEnd = probed ?? d.duration;
  const what = probed !== null ? `the take (${probed.toFixed(2)} s)` : `the shot (${d.duration} s)`;
  let inSeconds = d.inPoint ?? 0;
  let outSeconds = d.outPoint ?? Math.min(d.duration, takeEnd);
  if (probed !== null && d.outPoint === undefined && probed + halfFrame < d.duration) {
    warn('notice', 'TAKE_SHORTER', `the take lasts ${probed.toFixed(2)} s, less than the shot's ${d.duration} s: the clip ends with the take`);
  }
  if (inSeconds >= takeEnd - halfFrame) {
    warn('error', 'TRIM_OUTSIDE_TAKE', `in point ${inSeconds} s is at or past the end of ${what}`);
    inSeconds = 0;
  }
  if (outSeconds > takeEnd + halfFrame) {
    warn('error', 'TRIM_OUTSIDE_TAKE', `out point ${outSeconds} s is past the end of ${what}`);
    outSeconds = takeEnd;
  }
  if (outSeconds <= inSeconds + halfFrame) {
    warn('error', 'TRIM_EMPTY', `out point ${outSeconds} s is not after in point ${inSeconds} s`);
    outSeconds = takeEnd;
  }
  const inFrames = Math.round(inSeconds * fps);
  return { inSeconds, inFrames, frames: Math.max(1, Math.round(outSeconds * fps) - inFrames) };
}
