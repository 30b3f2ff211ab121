import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { RepositoryPathError } from './repository-errors.ts';

const MAX_PATH = 4096;

/**
 * A project path as the repository accepts it: relative, `/`-separated, each segment a plain name
 * (no `.`, `..` or empty one), never into `.git` (any case: case-insensitive filesystems), no NUL,
 * no backslash (a Windows client would read it as a separator). Returns it unchanged.
 */
export function checkProjectPath(path: unknown): string {
  if (typeof path !== 'string' || !path.length) throw new RepositoryPathError(String(path), 'a path is required');
  if (path.length > MAX_PATH) throw new RepositoryPathError(path, `longer than ${MAX_PATH} characters`);
  if (path.includes('\0')) throw new RepositoryPathError(path, 'it holds a NUL byte');
  if (path.includes('\\')) throw new RepositoryPathError(path, 'it holds a backslash');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new RepositoryPathError(path, 'it is absolute');
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') throw new RepositoryPathError(path, 'it has an empty or "." segment');
    if (segment === '..') throw new RepositoryPathError(path, 'it leaves the project ("..")');
    // `.git ` and `.git.` are .git on Windows filesystems, as git itself refuses them.
    if (/^\.git[ .]*$/i.test(segment)) throw new RepositoryPathError(path, 'it goes into .git');
  }
  return path;
}

/**
 * Refuses a path with a symlink on the way (a folder that points outside the project) or at the
 * path itself: every write lands inside the project's own folders. Missing segments are fine (the
 * write creates them).
 */
export async function checkNoSymlink(dir: string, path: string): Promise<void> {
  const segments = path.split('/');
  for (let i = 1; i <= segments.length; i++) {
    const info = await lstat(join(dir, ...segments.slice(0, i))).catch(() => null);
    if (!info) return;
    if (info.isSymbolicLink()) throw new RepositoryPathError(path, `${segments.slice(0, i).join('/')} is a symlink`);
    if (i < segments.length && !info.isDirectory()) throw new RepositoryPathError(path, `${segments.slice(0, i).join('/')} is not a folder`);
  }
}

/** Each path once, and never one inside another (a folder deleted and a file written in it). */
export function checkDistinct(paths: readonly string[]): void {
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) throw new RepositoryPathError(path, 'named twice in one commit');
    seen.add(path);
  }
  for (const path of paths) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (seen.has(folder)) throw new RepositoryPathError(path, `inside ${folder}, which the same commit also changes`);
    }
  }
}
