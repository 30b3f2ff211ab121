import type { Graph, GraphNode } from '@studio/node-schemas';
import type { WriteEdlEvent } from './edl/index.ts';
import type { FrameRate } from './edl/index.ts';
import { InvalidRequestError } from '../errors.ts';

export interface SequenceSettings {
  title: string;
  rate: FrameRate;
  dropFrame: boolean;
  recordStart: string;
}

/** One shot of the cut, in running order, and where its media comes from. */
export interface SequenceShot {
  nodeId: string;
  scene: string;
  shot: string;
  /** The node whose active take is used (the shot, or the last post-processing node of its chain). */
  sourceNodeId: string;
  take: string | null;
  frames: number;
}

export interface CompiledSequence {
  settings: SequenceSettings;
  shots: SequenceShot[];
  /** Shots (or their post nodes) with no active take: named before anything runs. */
  missing: Array<{ nodeId: string; name: string }>;
  events: WriteEdlEvent[];
  /** Record duration in frames (dissolves overlap their clips). */
  frames: number;
}

const num = (s: string) => Number(s.replace(/\D/g, '')) || 0;

/** Follows a node's input edges back to its shot (through VideoRestoration, SuperResolution...). */
function upstreamShot(nodes: Map<string, GraphNode>, incoming: Map<string, string[]>, node: GraphNode): GraphNode | null {
  for (let current: GraphNode | undefined = node, depth = 0; current && depth < 32; depth++) {
    if (current.type === 'shot') return current;
    current = nodes.get(incoming.get(current.id)?.[0] ?? '');
  }
  return null;
}

/**
 * Compiles what is wired into a VSE Assembler into CMX3600 events: the clips in running order
 * (scene, then shot number), each from its active take (or the take of the last post-processing
 * node of its chain), trimmed to its in and out points, joined by its transition, and the dialogue
 * of Audio nodes on audio tracks under the shots they belong to. Pure and fast: durations come from
 * the shots, not from probing media.
 */
export function compileSequence({
  graph,
  assemblerId,
  overrides = {},
  audioFrames = {},
}: {
  graph: Graph;
  assemblerId: string;
  overrides?: Partial<SequenceSettings>;
  /** Lengths of audio files in frames, where known (the caller probes them); else they run to the end. */
  audioFrames?: Record<string, number>;
}): CompiledSequence {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const assembler = nodes.get(assemblerId);
  if (!assembler || assembler.type !== 'vseAssembler') throw new InvalidRequestError(`no VSE Assembler '${assemblerId}' in this project`, { assembler: assemblerId });
  const data = assembler.data as { title: string; fps: FrameRate; dropFrame: boolean; recordStart: string };
  const settings: SequenceSettings = {
    title: overrides.title ?? data.title,
    rate: overrides.rate ?? data.fps,
    dropFrame: overrides.dropFrame ?? (data.dropFrame && (data.fps === '29.97' || data.fps === '59.94')),
    recordStart: overrides.recordStart ?? data.recordStart,
  };
  const fps = Number(settings.rate);
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) if (e.target !== assemblerId) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const into = (handle: string) => graph.edges.filter((e) => e.target === assemblerId && e.targetHandle === handle).map((e) => nodes.get(e.source)!).filter(Boolean);

  const shots: SequenceShot[] = [];
  const missing: CompiledSequence['missing'] = [];
  for (const source of into('sequence')) {
    const shot = upstreamShot(nodes, incoming, source);
    if (!shot) continue;
    const d = shot.data as { scene: string; shot: string; duration: number; inPoint?: number; outPoint?: number };
    const inFrames = Math.round((d.inPoint ?? 0) * fps);
    const outFrames = Math.round(Math.min(d.outPoint ?? d.duration, d.duration) * fps);
    const take = (source.data.activeTake as string | null) ?? null;
    if (!take) missing.push({ nodeId: source.id, name: source === shot ? `${d.scene}/${d.shot}` : `${d.scene}/${d.shot} (${source.type} ${source.id})` });
    shots.push({ nodeId: shot.id, scene: d.scene, shot: d.shot, sourceNodeId: source.id, take, frames: Math.max(1, outFrames - inFrames) });
  }
  shots.sort((a, b) => num(a.scene) - num(b.scene) || num(a.shot) - num(b.shot));

  const events: WriteEdlEvent[] = [];
  const recordInOf = new Map<string, number>();
  let record = 0;
  shots.forEach((s, i) => {
    const node = nodes.get(s.nodeId)!;
    const d = node.data as { inPoint?: number; transition?: { type: 'cut' | 'dissolve'; frames: number } };
    const prev = i > 0 ? (nodes.get(shots[i - 1]!.nodeId)!.data as { transition?: { type: string; frames: number } }) : null;
    // A shot's transition is the one into the next shot; in the EDL it belongs to the next event.
    const dissolve = prev?.transition?.type === 'dissolve' && prev.transition.frames > 0 ? Math.min(prev.transition.frames, s.frames - 1, shots[i - 1]!.frames - 1) : 0;
    const sourceIn = Math.round((d.inPoint ?? 0) * fps);
    record -= dissolve;
    recordInOf.set(`${s.scene}/${s.shot}`, record);
    events.push({
      clipName: (s.take ?? `${s.shot}_MISSING`).split('/').pop()!,
      sourceFile: s.take ?? '',
      channels: 'V',
      sourceIn,
      sourceOut: sourceIn + s.frames,
      ...(dissolve ? { transition: { type: 'dissolve' as const, frames: dissolve } } : {}),
    });
    record += s.frames;
  });
  const total = record;

  // Dialogue: each Audio node on its own track (A, A2, ...), starting under its shot.
  into('audio').forEach((audio, trackIndex) => {
    const d = audio.data as { activeTake?: string | null; source?: string | null; scene?: string; shot?: string };
    const file = d.activeTake ?? d.source ?? null;
    if (!file) {
      missing.push({ nodeId: audio.id, name: `audio ${audio.id}` });
      return;
    }
    const channels = trackIndex === 0 ? 'A' : `A${trackIndex + 1}`;
    const at = d.scene && d.shot ? (recordInOf.get(`${d.scene}/${d.shot}`) ?? 0) : 0;
    const length = Math.max(1, Math.min(total - at, audioFrames[file] ?? Infinity));
    if (at > 0) events.push({ reel: 'BL', clipName: 'BLACK', sourceFile: '', channels, sourceIn: 0, sourceOut: at });
    events.push({ clipName: file.split('/').pop()!, sourceFile: file, channels, sourceIn: 0, sourceOut: length });
  });
  return { settings, shots, missing, events, frames: total };
}
