import type { Graph, ProjectManifest } from '@studio/node-schemas';

/**
 * What assembly reads of a project: its folder, its id (for the project's git queue), and its
 * graph and manifest as they are now. A sync room is one (the routes pass theirs); assembly never
 * imports sync/.
 */
export interface ProjectSource {
  readonly id: string;
  readonly dir: string;
  graph(): Graph;
  readonly projectManifest: ProjectManifest;
}
