import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from '../git.ts';
import { RENDERS_DIR } from '../layout.ts';
import type { TreeFile } from './tree-files.ts';

/** Folders whose files are written once and never changed in place (takes, sidecars, imported media). */
export const IMMUTABLE_FOLDERS = [`${RENDERS_DIR}/`, '01_Assets/'];

/**
 * The files of a tree that the parent's working tree holds byte for byte (hashed by one `git
 * hash-object --no-filters --stdin-paths`: the parent's index is not trusted, nor refreshed, which
 * could run the LFS filter over all its media). Meant for small files that do not go through LFS,
 * such as take sidecars. A fork links these instead of writing its own copy; the engine only ever
 * replaces a file by renaming a new one over it, so a link never sees the other project's later change.
 */
export async function sameInParent(parentDir: string, files: readonly TreeFile[]): Promise<Set<string>> {
  const present = files.filter((file) => {
    try {
      const stat = lstatSync(join(parentDir, file.path));
      return stat.isFile() && stat.size === file.size;
    } catch {
      return false;
    }
  });
  if (!present.length) return new Set();
  const hashes = (await runGit(parentDir, ['hash-object', '--no-filters', '--stdin-paths'], { input: present.map((f) => f.path).join('\n') + '\n' })).split(
    '\n',
  );
  return new Set(present.filter((file, i) => hashes[i] === file.blob).map((file) => file.path));
}
