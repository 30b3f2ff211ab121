import type { Actor, Graph, ProjectManifest } from '@studio/node-schemas';
import { writeCanvas } from './canvas-file.ts';
import { commitTracked } from './git.ts';
import { CANVAS_PATH, MANIFEST_FILE } from './layout.ts';
import { writeManifest } from './manifest-file.ts';

/** Writes project.json and the canvas (each atomically) and commits both in one commit. */
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
  /** More tracked (or already staged) paths the same commit holds (the event log). */
  extraPaths?: readonly string[];
}): Promise<void> {
  await writeCanvas(dir, { ...graph, version: manifest.version });
  await writeManifest(dir, manifest);
  await commitTracked(dir, message, [CANVAS_PATH, MANIFEST_FILE, ...extraPaths], actor);
}
