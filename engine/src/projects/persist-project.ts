import type { Actor, Graph, ProjectManifest } from '@studio/node-schemas';
import { serializeCanvas } from './canvas-file.ts';
import { CANVAS_PATH, MANIFEST_FILE } from './layout.ts';
import { heldRepository } from './repository/open-project-repository.ts';

/**
 * Writes project.json and the canvas (each atomically) and commits both in one commit, through the
 * project repository. Called in the project's git queue (the room's persistence holds its turn).
 */
export async function persistProject({
  dir,
  manifest,
  graph,
  message,
  actor,
  extraPaths = [],
}: {
  dir: string;
  manifest: ProjectManifest;
  graph: Graph;
  message: string;
  /** The commit's author; absent: the engine. */
  actor?: Actor;
  /** Files already written in the working tree that the same commit holds (the event log). */
  extraPaths?: readonly string[];
}): Promise<void> {
  await heldRepository({ id: dir, dir }).commit({
    actor,
    message,
    files: [
      { path: CANVAS_PATH, content: serializeCanvas({ ...graph, version: manifest.version }) },
      { path: MANIFEST_FILE, content: JSON.stringify(manifest, null, 2) + '\n' },
      ...[...new Set(extraPaths)].map((path) => ({ path, written: true as const })),
    ],
  });
}
