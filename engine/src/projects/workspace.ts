import { readdirSync, statSync, type Dirent } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ProjectId } from '@studio/node-schemas';
import { ProjectNotFoundError } from '../errors.ts';
import { LIBRARY_FOLDERS, MANIFEST_FILE } from './layout.ts';

/** Where a studio keeps its things: STUDIO_HOME and the folders under it. */
export interface Workspace {
  home: string;
  projectsDir: string;
  /** Scratch space on the same filesystem, for building a project before it is renamed into place. */
  stagingDir: string;
}

export function workspaceAt(home: string): Workspace {
  const root = resolve(home);
  return { home: root, projectsDir: join(root, 'Projects'), stagingDir: join(root, '.staging') };
}

export async function ensureWorkspace(ws: Workspace): Promise<void> {
  await mkdir(ws.projectsDir, { recursive: true });
  for (const folder of LIBRARY_FOLDERS) await mkdir(join(ws.home, folder), { recursive: true });
  await rm(ws.stagingDir, { recursive: true, force: true });
  await mkdir(ws.stagingDir, { recursive: true });
}

/**
 * The folder of a project by id. The id must be a slug, and the resolved path must sit directly
 * under Projects/: no id reaches outside the workspace.
 */
export function projectPath(ws: Workspace, id: string): string {
  if (!ProjectId.safeParse(id).success) throw new ProjectNotFoundError(id);
  const dir = resolve(ws.projectsDir, id);
  if (!dir.startsWith(ws.projectsDir + sep) || dir.slice(ws.projectsDir.length + 1).includes(sep)) throw new ProjectNotFoundError(id);
  return dir;
}

/** The folder of an existing project (one with a project.json), or ProjectNotFoundError. */
export async function existingProjectPath(ws: Workspace, id: string): Promise<string> {
  const dir = projectPath(ws, id);
  try {
    if ((await stat(join(dir, MANIFEST_FILE))).isFile()) return dir;
  } catch {
    // fall through
  }
  throw new ProjectNotFoundError(id);
}

/** Ids of the projects present: folders under Projects/ holding a project.json. */
export async function listProjectIds(ws: Workspace): Promise<string[]> {
  // Sync on purpose: 500 stats take about a millisecond this way, and a few hundred through the thread pool one by one.
  let entries: Dirent[];
  try {
    entries = readdirSync(ws.projectsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !ProjectId.safeParse(entry.name).success) continue;
    try {
      if (statSync(join(ws.projectsDir, entry.name, MANIFEST_FILE)).isFile()) ids.push(entry.name);
    } catch {
      // a reserved or half-made folder: not a project
    }
  }
  return ids.sort();
}
