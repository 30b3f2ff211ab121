import { CanvasFile, migrateCanvas, validateGraph, type Actor, type Graph, type RestoredCanvas } from '@studio/node-schemas';
import { InvalidGraphError } from '../errors.ts';
import type { ProjectRoom } from './project-room.ts';
import { runGit } from '../projects/git.ts';
import { readObjects } from '../projects/history/cat-file-batch.ts';
import { resolveCommit } from '../projects/history/resolve-commit.ts';
import { CommitNotFoundError } from '../projects/history-errors.ts';
import { readHeadSync } from '../projects/index/repository-head.ts';
import { migrateFile } from '../projects/format-errors.ts';
import { CANVAS_PATH } from '../projects/layout.ts';

/** The canvas a commit holds, read and migrated like the canvas file on load, and checked like a PUT. */
export async function canvasAt(dir: string, project: string, hash: string): Promise<Graph> {
  const bytes = (await readObjects(dir, [`${hash}:${CANVAS_PATH}`])).get(`${hash}:${CANVAS_PATH}`);
  if (!bytes) throw new CommitNotFoundError(project, hash);
  const where = `${CANVAS_PATH} at ${hash.slice(0, 7)}`;
  const invalid = (message: string, data: Record<string, unknown>) =>
    new InvalidGraphError(`the canvas at ${hash.slice(0, 7)} cannot be restored: ${message}`, data);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid((error as Error).message, { path: where });
  }
  const parsed = CanvasFile.safeParse(migrateFile(migrateCanvas, raw, where, invalid));
  if (!parsed.success) throw invalid(parsed.error.issues[0]?.message ?? 'not a canvas', { path: where });
  const { format: _format, ...graph } = parsed.data;
  const checked = validateGraph(graph);
  if (!checked.ok) throw invalid(checked.issues[0]!.message, { issues: checked.issues });
  return checked.graph;
}

/**
 * Makes the canvas of an earlier commit the current one, as a NEW commit (history is never
 * rewritten), through the room so every connected client gets a full sync. Takes and media are
 * not touched: they are immutable and stay where they are.
 */
export async function restoreCanvas({
  room,
  commit,
  actor,
  check,
}: {
  room: ProjectRoom;
  commit: string;
  actor: Actor;
  /** Throws to refuse the replacement (an approved scene's shots would change): nothing is committed. */
  check?: (graph: Graph) => void;
}): Promise<RestoredCanvas> {
  const hash = await resolveCommit(room.dir, room.id, commit);
  const [graph, time] = await Promise.all([canvasAt(room.dir, room.id, hash), runGit(room.dir, ['show', '-s', '--format=%cI', hash])]);
  check?.(graph);
  const when = new Date(time.trim()).toISOString().slice(0, 16).replace('T', ' ');
  const { version } = await room.replaceGraph(graph, room.serverClock, actor, `Restore canvas from ${hash.slice(0, 7)} (${when} UTC)`);
  return { commit: readHeadSync(room.dir) ?? '', restored_from: hash, version };
}
