import { actorFromAuthor, type Actor } from '@studio/node-schemas';
import { GitOperationError } from '../../errors.ts';
import { runGit } from '../git.ts';

export interface LogPageEntry {
  hash: string;
  /** The first parent; null for the project's first commit. */
  parent: string | null;
  message: string;
  time: string;
  actor: Actor | null;
  author: string;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** One page of the main branch's commits, newest first, in one `git log`. */
export async function readLogPage(dir: string, { limit, skip }: { limit: number; skip: number }): Promise<LogPageEntry[]> {
  let raw: string;
  try {
    raw = await runGit(dir, ['log', `--max-count=${limit}`, `--skip=${skip}`, `--format=%H${FIELD}%P${FIELD}%cI${FIELD}%an${FIELD}%ae${FIELD}%B${RECORD}`]);
  } catch (error) {
    throw new GitOperationError(`git log failed: ${(error as Error).message}`);
  }
  return raw
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.length)
    .map((r) => {
      const [hash, parents, time, name, email, message] = r.split(FIELD) as [string, string, string, string, string, string];
      return { hash, parent: parents.split(' ')[0] || null, time, message: message.trim(), actor: actorFromAuthor(name, email), author: name };
    });
}
