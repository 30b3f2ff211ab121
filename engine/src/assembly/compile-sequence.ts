import { sequenceShots, type Graph, type SequenceShot } from '@studio/node-schemas';
import type { WriteEdlEvent } from './edl/index.ts';
import type { FrameRate } from './edl/index.ts';
import { InvalidRequestError } from '../errors.ts';

export interface SequenceSettings {
  title: string;
  rate: FrameRate;
  dropFrame: boolean;
  recordStart: string;
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
  const { shots, missing, frames: total } = sequenceShots(graph, assemblerId, fps);
  const into = (handle: string) => graph.edges.filter((e) => e.target === assemblerId && e.targetHandle === handle).map((e) => nodes.get(e.source)!).filter(Boolean);

  const events: WriteEdlEvent[] = [];
  const recordInOf = new Map<string, number>();
  let record = 0;
  for (const s of shots) {
    record -= s.dissolveFrames;
    recordInOf.set(`${s.scene}/${s.shot}`, record);
    events.push({
      clipName: (s.take ?? `${s.shot}_MISSING`).split('/').pop()!,
      sourceFile: s.take ?? '',
      channels: 'V',
      sourceIn: s.inFrames,
      sourceOut: s.inFrames + s.frames,
      ...(s.dissolveFrames ? { transition: { type: 'dissolve' as const, frames: s.dissolveFrames } } : {}),
    });
    record += s.frames;
  }

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
