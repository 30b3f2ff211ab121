import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whether any of the paths may go through LFS by the repository's top-level .gitattributes (its
 * `*.ext filter=lfs` lines; any other kind of line with filter=lfs counts as "maybe"). Only a choice
 * of the faster way to commit: git applies the attributes itself either way.
 */
export async function mayBeLfs(dir: string, paths: readonly string[]): Promise<boolean> {
  const text = await readFile(join(dir, '.gitattributes'), 'utf8').catch(() => '');
  const extensions = new Set<string>();
  for (const line of text.split('\n')) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith('#') || !attributes.includes('filter=lfs')) continue;
    const ext = /^\*\.([A-Za-z0-9]+)$/.exec(pattern)?.[1];
    if (!ext) return true;
    extensions.add(ext);
  }
  return paths.some((path) => {
    const dot = path.lastIndexOf('.');
    return dot > path.lastIndexOf('/') && extensions.has(path.slice(dot + 1));
  });
}
