import type { CanvasChange, HistoryEntry } from '@studio/node-schemas';
import { readObjects } from './history/cat-file-batch.ts';
import { canvasBlobsOf } from './history/canvas-blobs.ts';
import { canvasChange, readSnapshot } from './history/canvas-change.ts';
import { canvasChanges } from './history/change-cache.ts';
import { readLogPage } from './history/log-page.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

const isEmpty = (c: CanvasChange) => !c.added.length && !c.changed.length && !c.removed.length && !c.edges.added && !c.edges.removed;

/**
 * A page of a project's commits, newest first, each with its actor and what it did to the canvas
 * (null when it changed no node or edge). Three git processes per page whatever its size: the log, one
 * diff-tree for which commits touched the canvas, one cat-file for the canvases they hold.
 */
export async function projectHistory({
  workspace,
  id,
  limit = 100,
  skip = 0,
}: {
  workspace: Workspace;
  id: string;
  limit?: number;
  skip?: number;
}): Promise<HistoryEntry[]> {
  const dir = await existingProjectPath(workspace, id);
  const page = await readLogPage(dir, { limit: Math.min(Math.max(1, limit), 1000), skip: Math.max(0, skip) });
  const unknown = page.filter((entry) => canvasChanges.get(entry.hash) === undefined);
  if (unknown.length) {
    const blobs = await canvasBlobsOf(dir, unknown);
    const contents = await readObjects(
      dir,
      [...blobs.values()].flatMap((b) => [b.before, b.after]).filter((b): b is string => b !== null),
    );
    for (const entry of unknown) {
      const touched = blobs.get(entry.hash);
      const change: CanvasChange | null = touched
        ? canvasChange(readSnapshot(touched.before ? contents.get(touched.before) : null), readSnapshot(touched.after ? contents.get(touched.after) : null))
        : null;
      // A save of the project settings rewrites the canvas file (its version) without changing a node or edge.
      canvasChanges.set(entry.hash, change && isEmpty(change) ? null : change);
    }
  }
  return page.map(({ parent: _parent, ...entry }) => ({ ...entry, canvas: canvasChanges.get(entry.hash) ?? null }));
}
