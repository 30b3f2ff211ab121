import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runGit } from '../projects/git.ts';
import { localObjectPath } from '../storage/oid.ts';

/** Whether the project's attributes send this path through LFS. */
export async function isLfsTracked(projectDir: string, path: string): Promise<boolean> {
  const [, , value] = (await runGit(projectDir, ['check-attr', '-z', 'filter', '--', path])).split('\0');
  return value === 'lfs';
}

/** fsync of a file or folder: a folder's, so a rename or link into it survives a crash. */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes an upload (already hashed and fsynced) the project's LFS object `oid`, by moving it to
 * `.git/lfs/objects/<aa>/<bb>/<oid>` (a copy across filesystems): the store costs no copy, and
 * the repository then links the working-tree file to it as well (`{ blob, link: true }`). When the
 * store already has the object, it is left as it is. Returns how to take out what this added.
 *
 * Racy git: an index written in the same second as a file's mtime (git compares whole seconds)
 * marks the entry "maybe changed", and the next git to read it (a `git status`) hashes the whole
 * file through git-lfs again to be sure. The new object's mtime is set in an earlier second, so
 * the stat data the commit records proves the working-tree file unchanged by itself.
 */
export async function addToLfsStore({ projectDir, temp, oid }: { projectDir: string; temp: string; oid: string }) {
  const object = localObjectPath(projectDir, oid);
  const present = await stat(object).then(
    (info) => info.isFile(),
    () => false,
  );
  if (present) return { undo: async () => undefined };
  await mkdir(dirname(object), { recursive: true });
  // Moved, not linked: a third name for the inode, removed after the commit, would change its ctime and make git look at the file again.
  try {
    await rename(temp, object);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // The scratch folder is on another filesystem: a copy, made whole beside the object first.
    const partial = `${object}.${process.pid}.partial`;
    try {
      await copyFile(temp, partial, constants.COPYFILE_FICLONE);
      await syncPath(partial);
      await rename(partial, object);
    } finally {
      await rm(partial, { force: true });
    }
  }
  try {
    await utimes(object, new Date(), new Date((Math.floor(Date.now() / 1000) - 1) * 1000));
    await syncPath(dirname(object));
  } catch (error) {
    await rm(object, { force: true });
    throw error;
  }
  return { undo: () => rm(object, { force: true }) };
}
