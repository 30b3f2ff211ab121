import { join } from 'node:path';
import { StudioError } from '../errors.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { openProjectRepository } from '../projects/repository/open-project-repository.ts';
import type { RepositoryReader } from '../projects/repository/project-repository.ts';
import { EDLS_DIR } from '../projects/layout.ts';
import type { ProjectSource } from './project-source.ts';
import { compileSequence, type CompiledSequence, type SequenceSettings } from './compile-sequence.ts';
import { writeEdl } from './edl/index.ts';
import { edlFileName } from './export-name.ts';
import { probeDuration } from './probe-media.ts';
import { probeTakes } from './probe-cache.ts';
import type { Actor, TakeMedia } from '@studio/node-schemas';

export class MissingTakesError extends StudioError {
  override readonly code = 'MISSING_TAKES';
  override readonly status = 400;
}

export class EmptySequenceError extends StudioError {
  override readonly code = 'EMPTY_SEQUENCE';
  override readonly status = 400;
}

/** A trim outside its take, or an in point after its out point: the list would show something else. */
export class SequenceProblemError extends StudioError {
  override readonly code = 'SEQUENCE_PROBLEMS';
  override readonly status = 400;
}

/** Probes every take and audio file the cut uses (length and rate), by project path. */
async function probeSequenceMedia(args: { room: ProjectSource; sequence: CompiledSequence }): Promise<Record<string, TakeMedia>> {
  const takes = [...new Set(args.sequence.shots.flatMap((s) => (s.take ? [s.take] : [])))];
  const probed = await probeTakes(takes.map((take) => join(args.room.dir, take)));
  const media: Record<string, TakeMedia> = {};
  for (const take of takes) {
    const found = probed.get(join(args.room.dir, take));
    if (found) media[take] = found;
  }
  return media;
}

/**
 * The assembler's cut as compiled from the room's graph with its media probed: the takes' lengths
 * check the trims, their rates give source timecodes, the audio's lengths end the dialogue events.
 * Does not refuse: the canvas shows what it finds before export.
 */
export async function checkFromRoom({
  room,
  assemblerId,
  overrides,
}: {
  room: ProjectSource;
  assemblerId: string;
  overrides?: Partial<SequenceSettings>;
}): Promise<CompiledSequence> {
  const graph = room.graph();
  const first = compileSequence({ graph, assemblerId, overrides });
  const media = await probeSequenceMedia({ room, sequence: first });
  const audioFrames: Record<string, number> = {};
  for (const event of first.events.filter((e) => e.channels.startsWith('A') && e.sourceFile)) {
    const seconds = await probeDuration(join(room.dir, event.sourceFile));
    if (seconds !== null) audioFrames[event.sourceFile] = Math.round(seconds * Number(first.settings.rate));
  }
  return compileSequence({ graph, assemblerId, overrides, audioFrames, media });
}

/** Compiles the assembler's sequence and writes its lists; refuses gaps, an empty cut, and trims outside their takes. */
export async function compileFromRoom({
  room,
  assemblerId,
  overrides,
}: {
  room: ProjectSource;
  assemblerId: string;
  overrides?: Partial<SequenceSettings>;
}): Promise<{ sequence: CompiledSequence; lists: string[] }> {
  const sequence = await checkFromRoom({ room, assemblerId, overrides });
  if (sequence.missing.length)
    throw new MissingTakesError(`no active take yet for ${sequence.missing.map((m) => m.name).join(', ')}: generate or choose one first`, {
      missing: sequence.missing,
    });
  if (!sequence.shots.length) throw new EmptySequenceError('nothing is wired into the assembler yet: connect shots to its Sequence input');
  const errors = sequence.warnings.filter((w) => w.severity === 'error');
  if (errors.length) throw new SequenceProblemError(errors.map((w) => `${w.scene}/${w.shot}: ${w.message}`).join('; '), { warnings: sequence.warnings });
  const lists = writeEdl({ ...sequence.settings, events: sequence.events });
  return { sequence, lists };
}

/** Saves the lists under 04_Project_Files/EDLs/ and commits them, through the project repository. Returns their project paths. */
export async function saveEdl({
  room,
  queue,
  sequence,
  lists,
  actor,
}: {
  room: ProjectSource;
  queue: GitQueue;
  sequence: CompiledSequence;
  lists: string[];
  /** Who exported: the commit's author (absent: the engine). */
  actor?: Actor;
}): Promise<string[]> {
  const at = new Date();
  return openProjectRepository({ id: room.id, dir: room.dir, queue }).exclusive(async (held) => {
    const paths = await freeNames({
      repository: held,
      lists,
      name: (part, copy) => edlFileName({ title: sequence.settings.title, part, parts: lists.length, at, copy }),
    });
    // The same lists exported again within the same second: already saved and committed.
    if (paths === null) return lists.map((_, i) => `${EDLS_DIR}/${edlFileName({ title: sequence.settings.title, part: i + 1, parts: lists.length, at })}`);
    const seconds = (sequence.frames / Number(sequence.settings.rate)).toFixed(1);
    await held.commit({
      actor,
      message: `Export EDL: ${sequence.settings.title} (${sequence.shots.length} shots, ${seconds} s, ${sequence.settings.rate} fps)`,
      files: paths.map((path, i) => ({ path, content: lists[i]! })),
    });
    return paths;
  });
}

/**
 * Project paths for the lists: the timestamped names, or with `-2`, `-3`... when another export in
 * the same second took them with other content; null when those files already hold these lists.
 */
async function freeNames(args: {
  repository: RepositoryReader;
  lists: readonly string[];
  name: (part: number, copy: number) => string;
}): Promise<string[] | null> {
  for (let copy = 1; ; copy += 1) {
    const paths = args.lists.map((_, i) => `${EDLS_DIR}/${args.name(i + 1, copy)}`);
    const existing = await Promise.all(paths.map((path) => args.repository.readText(path).catch(() => null)));
    if (existing.every((text) => text === null)) return paths;
    if (copy === 1 && existing.every((text, i) => text === args.lists[i])) return null;
  }
}
