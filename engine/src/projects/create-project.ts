import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT, PROJECT_FORMAT, type Actor, type CreateProjectRequest, type ProjectManifest } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import { serializeCanvas } from './canvas-file.ts';
import { commitPaths, initRepository } from './git.ts';
import { CANVAS_PATH, MANIFEST_FILE, PROJECT_FOLDERS, TRACKED_LEAF_FOLDERS } from './layout.ts';
import { slugCandidates } from './slug.ts';
import type { Workspace } from './workspace.ts';

export interface CreatedProject {
  id: string;
  dir: string;
  manifest: ProjectManifest;
}

/** Takes the first free slug by creating its folder: mkdir is atomic, so two creators never share one. */
export async function reserveSlug(ws: Workspace, name: string): Promise<string> {
  for (const slug of slugCandidates(name)) {
    try {
      await mkdir(join(ws.projectsDir, slug));
      return slug;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error('unreachable');
}

/**
 * Scaffolds the project folders (docs/project-layout.md#project-folders) in a staging folder, makes it a git repository with LFS installed
 * locally, commits, and renames it onto the reserved (empty) slug folder. A crash at any point
 * leaves either no project or a whole one.
 */
export async function createProject({
  workspace,
  templatesDir,
  request,
  tenant = LOCAL_TENANT,
  actor,
}: {
  workspace: Workspace;
  templatesDir: string;
  /** Already parsed by the caller (the route): names trimmed and checked. */
  request: CreateProjectRequest;
  /** The tenant the project belongs to (the creator's); the local tenant is not written. */
  tenant?: string;
  /** Who creates it: the author of the first commit (absent: the engine). */
  actor?: Actor;
}): Promise<CreatedProject> {
  const title = request.name ?? request.title;
  if (title === undefined) throw new InvalidRequestError('name is required', { field: 'name' });

  const manifest: ProjectManifest = {
    format: PROJECT_FORMAT,
    uuid: randomUUID(),
    title,
    description: request.description ?? '',
    canvas_path: CANVAS_PATH,
    project_settings: {
      aspect_ratio: request.aspect_ratio ?? '16:9',
      quality: request.quality ?? 'standard',
      hardware_policy: 'queue',
      frame_rate: request.frame_rate ?? '24',
    },
    version: 1,
    created_at: new Date().toISOString(),
    ...(tenant === LOCAL_TENANT ? {} : { tenant }),
  };

  const staging = join(workspace.stagingDir, manifest.uuid);
  const id = await reserveSlug(workspace, title);
  const dir = join(workspace.projectsDir, id);
  try {
    await mkdir(staging);
    for (const folder of PROJECT_FOLDERS) await mkdir(join(staging, folder));
    await Promise.all([
      ...TRACKED_LEAF_FOLDERS.map((f) => writeFile(join(staging, f, '.gitkeep'), '')),
      copyFile(join(templatesDir, '.gitignore'), join(staging, '.gitignore')),
      copyFile(join(templatesDir, '.gitattributes'), join(staging, '.gitattributes')),
      writeFile(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n'),
      writeFile(join(staging, CANVAS_PATH), serializeCanvas({ version: 1, nodes: [], edges: [] })),
    ]);
    await initRepository(staging);
    await commitPaths(staging, `Create project: ${title}`, 'all', actor);
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
  return { id, dir, manifest };
}
