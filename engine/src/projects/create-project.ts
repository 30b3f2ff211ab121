import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT, PROJECT_FORMAT, type Actor, type CreateProjectRequest, type ProjectManifest } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import { serializeCanvas } from './canvas-file.ts';
import { initRepository } from './git.ts';
import { CANVAS_PATH, MANIFEST_FILE, PROJECT_FOLDERS, TRACKED_LEAF_FOLDERS } from './layout.ts';
import { heldRepository } from './repository/open-project-repository.ts';
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
 * locally, commits its files through the project repository (no one else can reach it yet), and renames it onto the reserved (empty) slug folder. A crash at any point
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
    // Every folder of the layout, the ignored ones too (05_Cache, 06_Exports): git keeps only files.
    for (const folder of PROJECT_FOLDERS) await mkdir(join(staging, folder));
    await initRepository(staging);
    const [gitignore, gitattributes] = await Promise.all([readFile(join(templatesDir, '.gitignore')), readFile(join(templatesDir, '.gitattributes'))]);
    await heldRepository({ id, dir: staging, staging: true }).commit({
      actor,
      message: `Create project: ${title}`,
      files: [
        { path: '.gitattributes', content: gitattributes },
        { path: '.gitignore', content: gitignore },
        ...TRACKED_LEAF_FOLDERS.map((folder) => ({ path: `${folder}/.gitkeep`, content: '' })),
        { path: MANIFEST_FILE, content: JSON.stringify(manifest, null, 2) + '\n' },
        { path: CANVAS_PATH, content: serializeCanvas({ version: 1, nodes: [], edges: [] }) },
      ],
    });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
  return { id, dir, manifest };
}
