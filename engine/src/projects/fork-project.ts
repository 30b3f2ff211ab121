import { randomUUID } from 'node:crypto';
import { mkdir, realpath, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT, type Actor, type ProjectManifest } from '@studio/node-schemas';
import { ProjectNotFoundError } from '../errors.ts';
import type { CreatedProject } from './create-project.ts';
import { reserveSlug } from './create-project.ts';
import { lfsObjectStores, objectFolders, writeAlternates } from './fork/object-stores.ts';
import { populateTree } from './fork/populate-tree.ts';
import { treeFiles } from './fork/tree-files.ts';
import { writeIndex } from './fork/write-index.ts';
import { initRepository, runGit } from './git.ts';
import type { GitQueue } from './git-queue.ts';
import { resolveCommit } from './history/resolve-commit.ts';
import { MANIFEST_FILE } from './layout.ts';
import { readManifest } from './manifest-file.ts';
import { heldRepository } from './repository/open-project-repository.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

const TITLE_MAX = 200;
const FORK_SUFFIX = ' (fork)';

export interface ForkedProject extends CreatedProject {
  /** The parent's commit the fork starts from (full hash). */
  commit: string;
  /** Media files of the fork's working tree that are links to the parent's LFS objects (none copied). */
  linkedMedia: number;
  /** Other immutable files (sidecars) that are links to the parent's own. */
  linkedFiles: number;
}

/**
 * A new project with the parent's history up to `commit` (default: its newest), a new uuid and slug,
 * and `forked_from` in project.json, committed as the fork's first own commit by `actor`.
 *
 * Nothing is copied: git objects are read from the parent through `objects/info/alternates` (git's
 * own sharing; the parent never drops a commit of its main branch, which only grows), and each media
 * file of the working tree is a hard link to the parent's LFS object (content-addressed and
 * immutable), which git-lfs also finds through the alternates. From there the two diverge: each has
 * its own refs, index, canvas and project.json, and what either commits is its own.
 */
export async function forkProject({
  workspace,
  queue,
  parentId,
  commit,
  name,
  actor,
}: {
  workspace: Workspace;
  queue: GitQueue;
  parentId: string;
  /** Checked hexadecimal by the caller; absent: the parent's HEAD. */
  commit?: string;
  name?: string;
  actor: Actor;
}): Promise<ForkedProject> {
  const parentDir = await existingProjectPath(workspace, parentId);
  const parent = await readManifest(parentDir);
  // Another tenant's project is as good as absent.
  if ((parent.tenant ?? LOCAL_TENANT) !== actor.tenant) throw new ProjectNotFoundError(parentId);
  const hash = await resolveCommit(parentDir, parentId, commit);
  const title = name ?? `${parent.title.slice(0, TITLE_MAX - FORK_SUFFIX.length).trimEnd()}${FORK_SUFFIX}`;

  const staging = join(workspace.stagingDir, `fork-${randomUUID()}`);
  const id = await reserveSlug(workspace, title);
  const dir = join(workspace.projectsDir, id);
  try {
    await mkdir(staging);
    // In the parent's queue: its object folders are read while no commit of its own is half made.
    const borrowed = objectFolders(parentDir);
    const { linkedMedia, linkedFiles } = await queue.run(parentId, async () => {
      const [files] = await Promise.all([treeFiles(parentDir, hash), initRepository(staging)]);
      // Absolute while the fork is built in staging; relative lines are added once it is in place.
      await writeFile(join(staging, '.git', 'objects', 'info', 'alternates'), borrowed.join('\n') + '\n');
      await runGit(staging, ['update-ref', 'refs/heads/main', hash]);
      const stores = (await Promise.all(lfsObjectStores(parentDir).map((s) => realpath(s).catch(() => null)))).filter((s): s is string => s !== null);
      const populated = await populateTree({ staging, parentDir, files, stores });
      await writeIndex(staging, files);
      return populated;
    });
    const manifest = forkManifest(await readManifest(staging), { title, parentId, hash, tenant: actor.tenant });
    await heldRepository({ id, dir: staging, staging: true }).commit({
      actor,
      message: `Fork of ${parent.title} at ${hash.slice(0, 7)}`,
      files: [{ path: MANIFEST_FILE, content: JSON.stringify(manifest, null, 2) + '\n' }],
    });
    // Its last git operation is done: the relative lines can name the folders from where the fork will be.
    await writeAlternates(staging, dir, borrowed);
    await rename(staging, dir);
    return { id, dir, manifest, commit: hash, linkedMedia, linkedFiles };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
}

function forkManifest(
  atCommit: ProjectManifest,
  { title, parentId, hash, tenant }: { title: string; parentId: string; hash: string; tenant: string },
): ProjectManifest {
  const { tenant: _tenant, forked_from: _origin, ...rest } = atCommit;
  return {
    ...rest,
    uuid: randomUUID(),
    title,
    created_at: new Date().toISOString(),
    ...(tenant === LOCAL_TENANT ? {} : { tenant }),
    forked_from: { project: parentId, commit: hash },
  };
}
