import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runGit } from '../projects/git.ts';
import { lfsPointer } from '../projects/repository/index-commit.ts';

/** Where git-lfs keeps an object of this repository (`lfs/objects/<aa>/<bb>/<oid>` in its git folder). */
export function lfsObjectPath(projectDir: string, oid: string): string {
  return join(projectDir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

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
 * Puts an upload (already hashed and fsynced) at `path` in the working tree and, as the very same
 * bytes, into the LFS store: one inode under two names, so the store costs no copy. git and git-lfs
 * only ever replace a working file by rename, never write into it. Where the link cannot be made
 * (another filesystem) the store gets a copy. Returns how to undo both.
 */
export async function placeAsLfsObject({ projectDir, temp, path, oid }: { projectDir: string; temp: string; path: string; oid: string }) {
  const object = lfsObjectPath(projectDir, oid);
  const target = join(projectDir, path);
  await Promise.all([mkdir(dirname(object), { recursive: true }), mkdir(dirname(target), { recursive: true })]);
  let created = true;
  try {
    await link(temp, object);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') created = false;
    else if (code === 'EXDEV' || code === 'EPERM') {
      const partial = `${object}.${process.pid}.partial`;
      await copyFile(temp, partial, constants.COPYFILE_FICLONE);
      await syncPath(partial);
      await rename(partial, object);
    } else throw error;
  }
  try {
    await rename(temp, target);
    await Promise.all([syncPath(dirname(object)), syncPath(dirname(target))]);
  } catch (error) {
    if (created) await unlink(object).catch(() => undefined);
    throw error;
  }
  return {
    undo: async () => {
      await rm(target, { force: true });
      if (created) await rm(object, { force: true });
    },
  };
}

/** A pattern for .git/info/attributes that matches exactly this path (the characters glob reads escaped). */
const exactPattern = (path: string) => `/${path.replace(/[\\*?[\]\s!#"]/g, (c) => `\\${c}`)}`;

/**
 * Stages `path` (already in the working tree, its bytes already the LFS object `oid`) as its LFS
 * pointer, with the file's stat data in the index, without reading the bytes: a `git add` whose
 * clean filter for this one path prints the pointer and never reads its input (git stops feeding
 * it on the closed pipe). `.git/info/attributes` is the one attributes file that outranks the
 * tree's .gitattributes; the line is there only for this one `git add` and the file is put back.
 * git-lfs's own filter (`filter.lfs.process`) cannot be overridden by `-c`, hence the other driver.
 * The index then holds what `git add` through git-lfs would have written, and a later `git status`
 * finds the file unchanged by its stat, without hashing it. Must run inside the project's git turn.
 */
export async function stageLfsPointer({
  projectDir,
  path,
  oid,
  size,
  scratch,
}: {
  projectDir: string;
  path: string;
  oid: string;
  size: number;
  scratch: string;
}): Promise<void> {
  const pointer = join(scratch, 'lfs-pointer');
  await writeFile(pointer, lfsPointer(oid, size));
  // Racy git: an index written in the same second as the file's mtime (git compares whole seconds
  // here) marks the entry "maybe changed", and the next git to read it (the commit's own `git add`,
  // a `git status`) hashes the whole file through git-lfs again to be sure. The mtime is set in an
  // earlier second before the stat data is taken, so the stat data alone proves it unchanged.
  await utimes(join(projectDir, path), new Date(), new Date((Math.floor(Date.now() / 1000) - 1) * 1000));
  const attributes = join(projectDir, '.git', 'info', 'attributes');
  const before = await readFile(attributes, 'utf8').catch(() => null);
  await mkdir(dirname(attributes), { recursive: true });
  const lines = before === null ? '' : before.endsWith('\n') || !before ? before : `${before}\n`;
  await writeFile(attributes, `${lines}${exactPattern(path)} filter=studio-lfs-pointer\n`);
  try {
    await runGit(projectDir, [
      '-c',
      `filter.studio-lfs-pointer.clean=cat '${pointer.replace(/'/g, `'\\''`)}'`,
      // Required: git then streams the file to the filter (and stops on the closed pipe) instead of reading it whole into memory.
      '-c',
      'filter.studio-lfs-pointer.required=true',
      'add',
      '--',
      path,
    ]);
  } finally {
    if (before === null) await rm(attributes, { force: true });
    else await writeFile(attributes, before);
  }
  // What git staged must be the pointer, byte for byte, or nothing is committed.
  const staged = await runGit(projectDir, ['cat-file', 'blob', `:${path}`]);
  if (staged !== lfsPointer(oid, size)) throw new Error(`staging ${path} as an LFS pointer gave another blob`);
  const info = await stat(join(projectDir, path));
  if (info.size !== size) throw new Error(`${path} is ${info.size} bytes, not the ${size} of its object`);
}

/** Takes `path` out of the index again (after a failed commit of a staged pointer). */
export async function unstage(projectDir: string, path: string): Promise<void> {
  await runGit(projectDir, ['update-index', '--force-remove', '--', path]).catch(() => undefined);
}
