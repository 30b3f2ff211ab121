import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The commit HEAD points at, read from the files under .git (no git process: a few microseconds,
 * so checking 500 repositories on every project list is cheap). Follows one symbolic ref, then the
 * loose ref or packed-refs (where `git pack-refs` moves it). Null for a repository with no commit.
 */
/** The ref HEAD points at (`refs/heads/main`), or null for a detached HEAD or no repository. */
export function headRefPath(projectDir: string): string | null {
  const head = readOrNull(join(projectDir, '.git', 'HEAD'))?.trim();
  return head?.startsWith('ref: ') ? head.slice(5) : null;
}

export function readHeadSync(projectDir: string): string | null {
  const gitDir = join(projectDir, '.git');
  const head = readOrNull(join(gitDir, 'HEAD'))?.trim();
  if (!head) return null;
  if (!head.startsWith('ref: ')) return head;
  const ref = head.slice(5);
  const loose = readOrNull(join(gitDir, ref))?.trim();
  if (loose) return loose;
  for (const line of (readOrNull(join(gitDir, 'packed-refs')) ?? '').split('\n')) {
    if (line.endsWith(` ${ref}`)) return line.slice(0, line.indexOf(' '));
  }
  return null;
}
