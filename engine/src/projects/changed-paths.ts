import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { gitAt } from './git.ts';

/**
 * The paths `git status` reports changed or untracked, without symlinks: the engine commits only
 * files, never a link it did not make (a link in a cloned or hand-edited project stays uncommitted).
 */
export async function changedPathsWithoutLinks(dir: string): Promise<{ paths: string[]; links: string[] }> {
  const status = await gitAt(dir).raw(['status', '--porcelain', '-z', '--untracked-files=all']);
  const tokens = status.split('\0').filter(Boolean);
  const paths: string[] = [];
  const links: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i]!;
    const code = entry.slice(0, 2);
    const path = entry.slice(3);
    // A rename or copy is followed by its source path.
    if (code.includes('R') || code.includes('C')) paths.push(tokens[++i]!);
    const info = await lstat(join(dir, path)).catch(() => null);
    if (info?.isSymbolicLink()) links.push(path);
    else paths.push(path);
  }
  // A path can come twice (a rename's source that is back as a new file): each once.
  return { paths: [...new Set(paths)], links };
}
