// Plain JavaScript: `npm start` (launch.mjs) reads it before anything can compile TypeScript.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');
/** Per checkout: a copy of the repository whose node_modules is a link to this one's builds its own. */
export const CACHE = join(REPO, 'node_modules', '.cache', 'studio-engine', createHash('sha1').update(REPO).digest('hex').slice(0, 12));
export const CURRENT = join(CACHE, 'current.json');
/** Changed when the way the bundle is built changes: a bundle of another kind is built again. */
export const BUILD_KIND = 'cjs-1';
export const BUNDLE_FILE = 'start-engine.cjs';

/** `${size}:${mtimeMs}` of a repository-relative file, or null when it is not there. */
export function stamp(path) {
  try {
    const s = statSync(join(REPO, path));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

/** The bundle's path when it was built from the sources as they are now, or null (a stat per source). */
export function currentBundle() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return null;
  }
  if (current.kind !== BUILD_KIND) return null;
  for (const [path, was] of Object.entries(current.inputs)) if (stamp(path) !== was) return null;
  const file = join(CACHE, current.dir, BUNDLE_FILE);
  return stamp(relative(REPO, file)) ? file : null;
}
