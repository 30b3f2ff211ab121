import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

// Where a repository's git and LFS objects are read from lives with the blob store; forks write the alternates.
export { findLfsObject, lfsObjectStores, objectFolders } from '../../storage/lfs-stores.ts';

/**
 * The alternates file of a fork (written in `repositoryDir`, for where it will be: `finalDir`): each borrowed folder twice, absolute (git-lfs
 * 3 reads only absolute lines) and relative to the fork's own object folder (git reads both and
 * keeps one of each folder; the relative line still holds when the workspace is moved elsewhere).
 */
export async function writeAlternates(repositoryDir: string, finalDir: string, folders: readonly string[]): Promise<void> {
  const own = join(finalDir, '.git', 'objects');
  const lines = folders.flatMap((folder) => [folder, relative(own, folder)]);
  await writeFile(join(repositoryDir, '.git', 'objects', 'info', 'alternates'), lines.join('\n') + '\n');
}
