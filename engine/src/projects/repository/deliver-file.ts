import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TEMP_SUFFIX } from '../atomic-write.ts';
import { runGit } from '../git.ts';
import { RepositoryChangeError, RepositoryPathError } from './repository-errors.ts';
import { checkNoSymlink, checkProjectPath } from './repository-paths.ts';

/**
 * A deliverable moved into a project (ProjectRepository.deliver): under its first free name, never
 * replacing a file, never committed, at a path the project's .gitignore keeps out of history. It
 * touches no index, so it needs no turn in the git queue (a render worker in its own process calls it).
 */
export async function deliverFile(dir: string, { name, from }: { name: (copy: number) => string; from: string }): Promise<string> {
  if (!(await lstat(from).catch(() => null))?.isFile()) throw new RepositoryChangeError('the file to deliver is not a regular file', { from });
  const first = checkProjectPath(name(1));
  await checkNoSymlink(dir, first);
  const ignored = await runGit(dir, ['check-ignore', '-q', '--', first]).then(
    () => true,
    () => false,
  );
  if (!ignored) throw new RepositoryPathError(first, 'a deliverable goes where .gitignore keeps it out of history (06_Exports)');
  await mkdir(dirname(join(dir, first)), { recursive: true });
  // Linked in, so a name is taken whole or not at all; from another filesystem through a copy beside it first.
  let source = from;
  try {
    for (let copy = 1; copy <= 1000; copy++) {
      const path = copy === 1 ? first : checkProjectPath(name(copy));
      if (dirname(path) !== dirname(first)) throw new RepositoryPathError(path, `every name of a deliverable stays in ${dirname(first)}`);
      try {
        await link(source, join(dir, path));
        await unlink(from).catch(() => undefined);
        return path;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EXDEV' || source !== from) throw error;
        source = join(dir, dirname(first), `.deliver-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
        await copyFile(from, source, constants.COPYFILE_FICLONE);
        copy--;
      }
    }
    throw new RepositoryChangeError('no free name for the deliverable after 1000 tries', { name: first });
  } finally {
    if (source !== from) await rm(source, { force: true });
  }
}
