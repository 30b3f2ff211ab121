import type { Graph, ProjectManifest } from '@studio/node-schemas';
import { readCanvas } from './canvas-file.ts';
import { readManifest } from './manifest-file.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

export interface ProjectState {
  id: string;
  manifest: ProjectManifest;
  graph: Graph;
}

export async function getProject({ workspace, id }: { workspace: Workspace; id: string }): Promise<ProjectState> {
  const dir = await existingProjectPath(workspace, id);
  const [manifest, graph] = await Promise.all([readManifest(dir), readCanvas(dir)]);
  return { id, manifest, graph };
}

/** The JSON a client gets for a project: project.json's fields, the graph, and the version. */
export function projectResponse({ id, manifest, graph }: ProjectState) {
  return { id, name: manifest.title, ...manifest, graph: { ...graph, version: manifest.version }, version: manifest.version };
}
