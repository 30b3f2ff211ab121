import { GitOperationError } from '../../errors.ts';
import { runGit } from '../git.ts';
import { CANVAS_PATH } from '../layout.ts';

const NO_BLOB = /^0+$/;

/** The canvas file's blob before and after a commit; null where there was none (added or deleted). */
export interface CanvasBlobs {
  before: string | null;
  after: string | null;
}

/**
 * Which commits touched the canvas and its blob before and after each, for a whole page in ONE
 * `git diff-tree --stdin` limited to the canvas path. Each commit is compared with its first parent
 * (a merge as the main branch saw it). Commits that did not touch the canvas are absent.
 */
export async function canvasBlobsOf(dir: string, commits: ReadonlyArray<{ hash: string; parent: string | null }>): Promise<Map<string, CanvasBlobs>> {
  const touched = new Map<string, CanvasBlobs>();
  if (!commits.length) return touched;
  const input = commits.map((c) => (c.parent ? `${c.hash} ${c.parent}` : c.hash)).join('\n') + '\n';
  let out: string;
  try {
    out = await runGit(dir, ['diff-tree', '--stdin', '--root', '-r', '--raw', '--no-abbrev', '--no-renames', '--', CANVAS_PATH], { input });
  } catch (error) {
    throw new GitOperationError(`git diff-tree failed: ${(error as Error).message}`);
  }
  let current: string | null = null;
  for (const line of out.split('\n')) {
    if (/^[0-9a-f]{40,64}$/.test(line)) current = line;
    else if (line.startsWith(':') && current) {
      // :100644 100644 <before> <after> M\t<path>
      const [, , before, after] = line.slice(1).split('\t')[0]!.split(' ');
      touched.set(current, { before: before && !NO_BLOB.test(before) ? before : null, after: after && !NO_BLOB.test(after) ? after : null });
    }
  }
  return touched;
}
