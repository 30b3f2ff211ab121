import { AsyncLocalStorage } from 'node:async_hooks';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitOperationError, StudioError } from '../../errors.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { copyObject } from '../../storage/copy-object.ts';
import { filesystemBlobStore, findProjectObject } from '../../storage/filesystem-blob-store.ts';
import { isOid } from '../../storage/oid.ts';
import { notifyCommitted } from '../commit-notice.ts';
import type { GitQueue } from '../git-queue.ts';
import { commitIndex } from './index-commit.ts';
import { mayBeLfs } from './lfs-patterns.ts';
import { commitTextFiles } from './text-commit.ts';
import type { CommitHash, CommitRequest, FileChange, HeldRepository, ProjectRepository } from './project-repository.ts';
import { RepositoryChangeError } from './repository-errors.ts';
import { checkDistinct, checkNoSymlink, checkProjectPath } from './repository-paths.ts';
import { TreeTransaction } from './tree-transaction.ts';
import { deliverFile } from './deliver-file.ts';
import { INDEX_LOCK_WAIT_MS, IndexLock } from './index-lock.ts';

export interface RepositoryLocation {
  /** The project's id: the key of its git queue. */
  id: string;
  /** The repository's folder (its working tree). */
  dir: string;
  /**
   * Where `blob` changes' objects may be when the project's own LFS store lacks them (S3); they are
   * copied into the project's store before the commit.
   */
  blobs?: BlobStore;
  /**
   * A repository being built in a staging folder that a crash drops whole (a new project, a fork):
   * its files are not fsynced one by one.
   */
  staging?: boolean;
  /** How long a commit waits for another git process's `.git/index.lock`; default INDEX_LOCK_WAIT_MS (10 s). */
  indexLockWaitMs?: number;
}

/** Which projects' queues this async context holds (inside `exclusive`), so a commit there does not wait for itself. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/**
 * A project's repository on disk, every write in its GitQueue (see project-repository.ts). Cheap to
 * open: it holds no state of its own, so callers open one where they have the id and folder.
 */
export function openProjectRepository(location: RepositoryLocation & { queue: GitQueue }): ProjectRepository {
  const { queue, ...where } = location;
  const repository = heldRepository(where);
  const key = `${where.id}\0${where.dir}`;
  const inTurn = () => held.getStore()?.has(key) ?? false;
  return {
    ...repository,
    commit: (request) => (inTurn() ? repository.commit(request) : queue.run(where.id, () => repository.commit(request))),
    exclusive: (work) =>
      inTurn() ? work(repository) : queue.run(where.id, () => held.run(new Set([...(held.getStore() ?? []), key]), () => work(repository))),
    deliver: (input) => deliverFile(where.dir, input),
  };
}

/**
 * The same repository for code that already holds its turn in the project's queue (inside
 * `queue.run` for this project: the room's persistence), or a repository no one else can reach yet
 * (a project being created in its staging folder). Its commits run at once.
 */
export function heldRepository({ id, dir, blobs, staging = false, indexLockWaitMs = INDEX_LOCK_WAIT_MS }: RepositoryLocation): HeldRepository {
  return {
    id,
    read: async (path) => readFile(await readablePath(dir, path)),
    readText: async (path) => readFile(await readablePath(dir, path), 'utf8'),
    exists: async (path) => {
      checkProjectPath(path);
      try {
        await checkNoSymlink(dir, path);
      } catch {
        return false;
      }
      const info = await lstat(join(dir, path)).catch(() => null);
      return !!info && (info.isFile() || info.isDirectory());
    },
    commit: (request) => commitFiles({ dir, blobs, durable: !staging, indexLockWaitMs }, request),
  };
}

async function readablePath(dir: string, path: string): Promise<string> {
  checkProjectPath(path);
  await checkNoSymlink(dir, path);
  return join(dir, path);
}

async function commitFiles(
  { dir, blobs, durable, indexLockWaitMs }: { dir: string; blobs?: BlobStore | undefined; durable: boolean; indexLockWaitMs: number },
  { actor, message, files }: CommitRequest,
): Promise<CommitHash> {
  if (!files.length) return null;
  for (const change of files) checkChange(change);
  checkDistinct(files.map((f) => f.path));
  for (const change of files) await checkNoSymlink(dir, change.path);
  const blobSizes = new Map<string, number>();
  for (const change of files) if ('blob' in change) blobSizes.set(change.blob, await ensureLocalObject(dir, change.blob, blobs));

  const transaction = await TreeTransaction.begin(dir, { durable });
  let commit: CommitHash;
  let index: IndexLock | undefined;
  try {
    for (const change of files) await transaction.apply(change, async (oid) => findProjectObject(dir, oid)!);
    index = await IndexLock.take(dir, { waitMs: indexLockWaitMs });
    // A few text files (a canvas save, a review record): two git processes; media, moves, deletes and big batches: the plumbing, whose cost stays flat with tens of thousands of takes.
    const textOnly =
      files.length <= 256 &&
      files.every((f) => 'content' in f || 'append' in f || 'written' in f) &&
      !(await mayBeLfs(
        dir,
        files.map((f) => f.path),
      ));
    const quick = textOnly ? await commitTextFiles({ dir, index, scratch: transaction.scratch, actor, message, paths: files.map((f) => f.path) }) : undefined;
    commit = quick !== undefined ? quick : await commitIndex({ dir, index, scratch: transaction.scratch, actor, message, changes: files, blobSizes });
    await index.release();
  } catch (error) {
    await index?.release();
    await transaction.rollback();
    if (error instanceof StudioError) throw error;
    throw new GitOperationError(`commit failed, nothing changed: ${(error as Error).message.trim()}`, { paths: files.map((f) => f.path).slice(0, 50) });
  }
  await transaction.finish();
  if (commit)
    await notifyCommitted(
      dir,
      files.map((f) => f.path),
    );
  return commit;
}

const KINDS = ['content', 'from', 'blob', 'append', 'delete', 'written'] as const;

function checkChange(change: FileChange): void {
  checkProjectPath(change.path);
  const kinds = KINDS.filter((k) => k in change);
  if (kinds.length !== 1) throw new RepositoryChangeError(`a change to ${change.path} must say one of ${KINDS.join(', ')}`, { path: change.path });
  if ('blob' in change && !isOid(change.blob)) throw new RepositoryChangeError(`${change.blob} is not an object id (sha256)`, { path: change.path });
  if ('from' in change && (typeof change.from !== 'string' || !change.from.startsWith('/')))
    throw new RepositoryChangeError(`the file to move into ${change.path} must be an absolute path`, { path: change.path });
}

/** The object in the project's own LFS store (copied there from `blobs` when only that has it); its size. */
async function ensureLocalObject(dir: string, oid: string, blobs: BlobStore | undefined): Promise<number> {
  const local = findProjectObject(dir, oid);
  const info = local ? await lstat(local).catch(() => null) : null;
  if (info?.isFile()) return info.size;
  if (!blobs || (await blobs.size(oid)) === null) throw new RepositoryChangeError(`object ${oid} is not in the project's blob store`, { oid });
  return copyObject({ from: blobs, to: filesystemBlobStore({ projectDir: dir, objectsHref: '' }), oid });
}
