import { CanvasFile, migrateCanvas, validateGraph, type Actor, type Graph, type RestoredCanvas } from '@studio/node-schemas';
import { InvalidGraphError } from '../errors.ts';
import type { ProjectRoom } from '../sync/project-room.ts';
import type { GitQueue } from './git-queue.ts';
import { runGit } from './git.ts';
import { readObjects } from './history/cat-file-batch.ts';
import { resolveCommit } from './history/resolve-commit.ts';
import { CommitNotFoundError } from './history-errors.ts';
import { readHeadSync } from './index/repository-head.ts';
import { migrateFile } from './format-errors.ts';
import { CANVAS_PATH } from './layout.ts';

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
  queue,
  commit,
  actor,
}: {
  room: ProjectRoom;
  /** The git queue the room commits in. */
  queue: GitQueue;
  commit: string;
  actor: Actor;
}): Promise<RestoredCanvas> {
  const hash = await resolveCommit(room.dir, room.id, commit);
  const [graph, time] = await Promise.all([canvasAt(room.dir, room.id, hash), runGit(room.dir, ['show', '-s', '--format=%cI', hash])]);
  const when = new Date(time.trim()).toISOString().slice(0, 16).replace('T', ' ');
  const headline = `Restore canvas from ${hash.slice(0, 7)} (${when} UTC)`;
  const { version } = await replaceWithHeadline(room, queue, graph, actor, headline);
  return { commit: readHeadSync(room.dir) ?? '', restored_from: hash, version };
}

/**
 * room.replaceGraph commits with its own "Save canvas" headline. To commit the replacement under
 * ours, the project's git queue is held while a persistNow(headline) is queued ahead of the
 * replacement's own persist: once released, ours commits the replaced graph and the room's finds
 * nothing left to commit. (Until replaceGraph takes a headline: /tmp/helpers/requests-history.md.)
 */
async function replaceWithHeadline(room: ProjectRoom, queue: GitQueue, graph: Graph, actor: Actor, headline: string): Promise<{ version: number }> {
  let release = () => {};
  let holding = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (holding = resolve));
  const holder = queue.run(room.id, () => (holding(), gate));
  await held;
  // From here to release() nothing else runs: the replacement and both persists are queued in this order.
  const ours = room.persistNow(headline);
  const replaced = room.replaceGraph(graph, room.serverClock, actor);
  release();
  await holder;
  const [, result] = await Promise.all([ours, replaced]);
  return result;
}
