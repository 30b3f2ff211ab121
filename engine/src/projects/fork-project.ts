import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT, type Actor, type ProjectManifest } from '@studio/node-schemas';
import { ProjectNotFoundError } from '../errors.ts';
import type { CreatedProject } from './create-project.ts';
import { reserveSlug } from './create-project.ts';
import { cleanParentFiles } from './fork/clean-parent-files.ts';
import { findLfsObject, lfsObjectStores, objectFolders } from './fork/object-stores.ts';
import { lfsFiles, treeFiles } from './fork/tree-files.ts';
import { writeIndex } from './fork/write-index.ts';
import { commitStaged, initRepository, runGit } from './git.ts';
import type { GitQueue } from './git-queue.ts';
import { resolveCommit } from './history/resolve-commit.ts';
import { MANIFEST_FILE } from './layout.ts';
import { readManifest, writeManifest } from './manifest-file.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

const TITLE_MAX = 200;
const FORK_SUFFIX = ' (fork)';

/** Checkout without the LFS smudge filter: media paths get their pointers, which are then replaced by links. */
const NO_SMUDGE = ['-c', 'filter.lfs.process=', '-c', 'filter.lfs.smudge=cat', '-c', 'filter.lfs.required=false', '-c', 'core.hooksPath=/dev/null'];

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
    await initRepository(staging);
    // In the parent's queue: its object folders are read while no commit of its own is half made.
    const { linkedMedia, linkedFiles } = await queue.run(parentId, async () => {
      await writeFile(join(staging, '.git', 'objects', 'info', 'alternates'), objectFolders(parentDir).join('\n') + '\n');
      await runGit(staging, ['update-ref', 'refs/heads/main', hash]);
      await runGit(staging, [...NO_SMUDGE, 'checkout', '-q', '-f', 'main']);
      return linkFiles(staging, parentDir, hash);
    });
    const manifest = forkManifest(await readManifest(staging), { title, parentId, hash, tenant: actor.tenant });
    await writeManifest(staging, manifest);
    await runGit(staging, ['add', '--', MANIFEST_FILE]);
    await commitStaged(staging, `Fork of ${parent.title} at ${hash.slice(0, 7)}`, [MANIFEST_FILE], actor);
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

/**
 * Replaces each LFS pointer the checkout wrote with a hard link to the object in the parent's
 * stores (a pointer whose object the parent lacks stays a pointer, as it is in the parent), and
 * each other immutable file (a take's sidecar) with a link to the parent's same file when that
 * holds the same blob. Then writes the index from the files as they now are.
 */
async function linkFiles(staging: string, parentDir: string, commit: string): Promise<{ linkedMedia: number; linkedFiles: number }> {
  const files = await treeFiles(staging, commit);
  const media = await lfsFiles(staging, files);
  const resolved = await Promise.all(lfsObjectStores(parentDir).map((s) => realpath(s).catch(() => null)));
  const stores = resolved.filter((s): s is string => s !== null);
  const mediaPaths = new Set(media.map((m) => m.path));
  const parentFiles = await cleanParentFiles(parentDir);
  let linkedMedia = 0;
  let linkedFiles = 0;
  const replaceWith = async (source: string, path: string) => {
    const target = join(staging, path);
    const aside = `${target}.studio-tmp`;
    await link(source, aside);
    await rename(aside, target);
  };
  const work = [
    ...media.map((file) => async () => {
      const object = findLfsObject(stores, file.oid);
      if (!object || (await stat(object)).size !== file.objectSize) return;
      await replaceWith(object, file.path);
      linkedMedia++;
    }),
    ...files
      .filter((file) => !mediaPaths.has(file.path) && parentFiles.get(file.path) === file.blob)
      .map((file) => async () => {
        await replaceWith(join(parentDir, file.path), file.path);
        linkedFiles++;
      }),
  ];
  await inBatches(work, 64);
  await writeIndex(staging, files);
  // The checkout's split index is replaced by the one just written.
  for (const entry of await readdir(join(staging, '.git'))) if (entry.startsWith('sharedindex.')) await rm(join(staging, '.git', entry), { force: true });
  return { linkedMedia, linkedFiles };
}

async function inBatches(work: ReadonlyArray<() => Promise<void>>, size: number): Promise<void> {
  for (let i = 0; i < work.length; i += size) await Promise.all(work.slice(i, i + size).map((w) => w()));
}
