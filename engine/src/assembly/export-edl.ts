import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.ts';
import { atomicWriteFile } from '../projects/atomic-write.ts';
import { commitPaths } from '../projects/git.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { EDLS_DIR } from '../projects/layout.ts';
import type { ProjectRoom } from '../sync/project-room.ts';
import { compileSequence, type CompiledSequence, type SequenceSettings } from './compile-sequence.ts';
import { writeEdl } from './edl/index.ts';
import { exportBaseName } from './export-name.ts';
import { probeDuration } from './probe-media.ts';

export class MissingTakesError extends StudioError {
  override readonly code = 'MISSING_TAKES';
  override readonly status = 400;
}

export class EmptySequenceError extends StudioError {
  override readonly code = 'EMPTY_SEQUENCE';
  override readonly status = 400;
}

/** Compiles the assembler's sequence from the room's graph, probing the audio it uses; refuses gaps. */
export async function compileFromRoom({
  room,
  assemblerId,
  overrides,
}: {
  room: ProjectRoom;
  assemblerId: string;
  overrides?: Partial<SequenceSettings>;
}): Promise<{ sequence: CompiledSequence; lists: string[] }> {
  const graph = room.graph();
  const first = compileSequence({ graph, assemblerId, overrides });
  if (first.missing.length)
    throw new MissingTakesError(`no active take yet for ${first.missing.map((m) => m.name).join(', ')}: generate or choose one first`, {
      missing: first.missing,
    });
  if (!first.shots.length) throw new EmptySequenceError('nothing is wired into the assembler yet: connect shots to its Sequence input');
  const audioFrames: Record<string, number> = {};
  for (const event of first.events.filter((e) => e.channels.startsWith('A') && e.sourceFile)) {
    const seconds = await probeDuration(join(room.dir, event.sourceFile));
    if (seconds !== null) audioFrames[event.sourceFile] = Math.round(seconds * Number(first.settings.rate));
  }
  const sequence = compileSequence({ graph, assemblerId, overrides, audioFrames });
  const lists = writeEdl({ ...sequence.settings, events: sequence.events });
  return { sequence, lists };
}

/** Saves the lists under 04_Project_Files/EDLs/ and commits them. Returns their project paths. */
export async function saveEdl({
  room,
  queue,
  sequence,
  lists,
}: {
  room: ProjectRoom;
  queue: GitQueue;
  sequence: CompiledSequence;
  lists: string[];
}): Promise<string[]> {
  const base = exportBaseName(sequence.settings.title);
  const paths = lists.map((_, i) => `${EDLS_DIR}/${base}${lists.length > 1 ? `_part${i + 1}` : ''}.edl`);
  return queue.run(room.id, async () => {
    await mkdir(join(room.dir, EDLS_DIR), { recursive: true });
    for (let i = 0; i < lists.length; i++) await atomicWriteFile(join(room.dir, paths[i]!), lists[i]!);
    const seconds = (sequence.frames / Number(sequence.settings.rate)).toFixed(1);
    await commitPaths(room.dir, `Export EDL: ${sequence.settings.title} (${sequence.shots.length} shots, ${seconds} s, ${sequence.settings.rate} fps)`, paths);
    return paths;
  });
}
