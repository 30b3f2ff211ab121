import { frameRateOf, sequenceShots, type Graph, type SequenceShot, type SequenceWarning, type TakeMedia } from '@studio/node-schemas';
import type { WriteEdlEvent } from './edl/index.ts';
import { conformFrames, type FrameRate } from './edl/index.ts';
import { InvalidRequestError } from '../errors.ts';
import { overlayComments, type TextOverlay } from './text-overlays.ts';

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
  /** Per shot: errors refuse the export, notices travel with it (see SequenceWarning). */
  warnings: SequenceWarning[];
}

/**
 * The rate a list is written at. An override's rate decides drop frame: it is kept only where the
 * rate has it (an assembler at 29.97 DF exported at 25 is 25 non-drop), unless asked for explicitly.
 */
export function sequenceSettings(args: {
  data: { title: string; fps: FrameRate; dropFrame: boolean; recordStart: string };
  overrides: Partial<SequenceSettings>;
}): SequenceSettings {
  const { data, overrides } = args;
  const rate = overrides.rate ?? data.fps;
  const hasDropFrame = rate === '29.97' || rate === '59.94';
  return {
    title: overrides.title ?? data.title,
    rate,
    dropFrame: overrides.dropFrame ?? (data.dropFrame && hasDropFrame),
    recordStart: overrides.recordStart ?? data.recordStart,
  };
}

/**
 * Compiles what is wired into a VSE Assembler into CMX3600 events: the clips in running order
 * (scene, then shot number), each from its active take (or the take of the last post-processing
 * node of its chain), trimmed to its in and out points, joined by its transition, and the dialogue
 * of Audio nodes on audio tracks under the shots they belong to (a gap before it, never black).
 * Pure: what is known of the media (`media`, probed by the caller) checks trims and gives each
 * source its own rate; without it durations come from the shots.
 */
export function compileSequence({
  graph,
  assemblerId,
  overrides = {},
  audioFrames = {},
  media = {},
}: {
  graph: Graph;
  assemblerId: string;
  overrides?: Partial<SequenceSettings>;
  /** Lengths of audio files in frames, where known (the caller probes them); else they run to the end. */
  audioFrames?: Record<string, number>;
  /** Takes as probed, by project path. */
  media?: Record<string, TakeMedia>;
}): CompiledSequence {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const assembler = nodes.get(assemblerId);
  if (!assembler || assembler.type !== 'vseAssembler')
    throw new InvalidRequestError(`no VSE Assembler '${assemblerId}' in this project`, { assembler: assemblerId });
  const data = assembler.data as { title: string; fps: FrameRate; dropFrame: boolean; recordStart: string };
  const settings = sequenceSettings({ data, overrides });
  const fps = Number(settings.rate);
  const { shots, missing, frames: total, warnings } = sequenceShots(graph, assemblerId, fps, media);
  const into = (handle: string) =>
    graph.edges
      .filter((e) => e.target === assemblerId && e.targetHandle === handle)
      .map((e) => nodes.get(e.source)!)
      .filter(Boolean);

  const events: WriteEdlEvent[] = [];
  const recordInOf = new Map<string, number>();
  let record = 0;
  for (const s of shots) {
    record -= s.dissolveFrames;
    recordInOf.set(`${s.scene}/${s.shot}`, record);
    const takeMedia = s.take ? media[s.take] : undefined;
    const sourceRate = frameRateOf(takeMedia?.rate ?? null);
    const conformed = sourceRate !== null && sourceRate !== settings.rate && takeMedia?.seconds !== null;
    if (conformed) {
      warnings.push({
        nodeId: s.nodeId,
        scene: s.scene,
        shot: s.shot,
        severity: 'notice',
        code: 'RATE_CONFORMED',
        message: `the take runs at ${sourceRate} fps, the list at ${settings.rate}: it is conformed in real time and the event says so (* SOURCE FRAME RATE)`,
      });
    }
    const sourceIn = conformed ? Math.round(s.inSeconds * Number(sourceRate)) : s.inFrames;
    const sourceLength = conformed ? Math.max(1, conformFrames({ frames: s.frames, from: settings.rate, to: sourceRate! })) : s.frames;
    const mediaFrames = takeMedia?.seconds != null ? Math.round(takeMedia.seconds * Number(conformed ? sourceRate : settings.rate)) : undefined;
    const shotData = nodes.get(s.nodeId)!.data as { overlays?: TextOverlay[] };
    events.push({
      clipName: clipNameOf(s.scene, s.take ?? `${s.shot}_MISSING`),
      sourceFile: s.take ?? '',
      channels: 'V',
      sourceIn,
      sourceOut: sourceIn + sourceLength,
      scene: s.scene,
      shot: s.shot,
      ...(conformed ? { sourceRate: sourceRate! } : {}),
      // A half-frame of rounding between the probe and the frame count is not a trim past the end.
      ...(mediaFrames !== undefined ? { mediaFrames: mediaFrames + 1 } : {}),
      ...(s.dissolveFrames ? { transition: { type: 'dissolve' as const, frames: s.dissolveFrames } } : {}),
      ...(shotData.overlays?.length ? { comments: overlayComments({ overlays: shotData.overlays }) } : {}),
    });
    record += s.frames;
  }

  // Dialogue: each Audio node on its own track (A, A2, ...), starting under its shot after a gap.
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
    events.push({
      clipName: d.scene ? clipNameOf(d.scene, file) : file.split('/').pop()!,
      sourceFile: file,
      channels,
      sourceIn: 0,
      sourceOut: length,
      ...(at > 0 ? { recordOffset: at } : {}),
      ...(d.scene && d.shot ? { scene: d.scene, shot: d.shot } : {}),
    });
  });
  return { settings, shots, missing, events, frames: total, warnings };
}

/** The take's file name with its scene in front (SCENE_01_SHOT-010_v01_take01.mp4): shot names repeat across scenes. */
export function clipNameOf(scene: string, path: string): string {
  const file = path.split('/').pop()!;
  return file.includes(scene) ? file : `${scene}_${file}`;
}
