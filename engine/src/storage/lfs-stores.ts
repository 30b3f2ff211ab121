import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The git object folders a repository reads: its own and those its `objects/info/alternates` names,
 * followed down a fork's ancestry (a fork of a fork names every ancestor, nearest first).
 */
export function objectFolders(projectDir: string): string[] {
  const own = realpathSync(join(projectDir, '.git', 'objects'));
  const seen = [own];
  for (let i = 0; i < seen.length && seen.length < 64; i++) {
    let alternates = '';
    try {
      alternates = readFileSync(join(seen[i]!, 'info', 'alternates'), 'utf8');
    } catch {
      continue;
    }
    for (const line of alternates.split('\n').map((l) => l.trim())) {
      // A relative line is relative to the object folder that names it (gitrepository-layout).
      const named = line && !line.startsWith('#') ? resolve(seen[i]!, line) : '';
      if (!named || !existsSync(named)) continue;
      const folder = realpathSync(named);
      if (!seen.includes(folder)) seen.push(folder);
    }
  }
  return seen;
}

/**
 * The Git LFS object stores beside those folders (`<git dir>/lfs/objects`), where git-lfs itself
 * looks for an object the repository's own store lacks (its "reference" stores). A fork's own
 * store holds only the media it added; what it inherited is read from its ancestors'.
 */
export function lfsObjectStores(projectDir: string): string[] {
  return objectFolders(projectDir).map((folder) => join(dirname(folder), 'lfs', 'objects'));
}

/** Where an LFS object is in the stores a repository reads, or null. */
export function findLfsObject(stores: readonly string[], oid: string): string | null {
  for (const store of stores) {
    const path = join(store, oid.slice(0, 2), oid.slice(2, 4), oid);
    if (existsSync(path)) return path;
  }
  return null;
}
