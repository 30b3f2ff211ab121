import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '@studio/node-schemas';
import { authorConfig, runGit } from '../git.ts';
import type { IndexLock } from './index-lock.ts';

const LITERAL = ['--literal-pathspecs'];
const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];
const pathspecs = (paths: readonly string[]) => paths.map((p) => `${p}\0`).join('');

/**
 * The short way for a few files that are not LFS media (a canvas save, a review record, a ledger
 * line): one git process (two for a new file) instead of six. In a temporary index (a copy of the
 * real one), `git commit --only` the paths (after `git add` when git does not know one yet), which
 * commits exactly those paths whatever else is staged; the temporary index replaces the real one only once the commit is made. Null when the
 * paths already are what HEAD holds. Undefined when this way does not apply (no index yet).
 */
export async function commitTextFiles({
  dir,
  index,
  scratch,
  actor,
  message,
  paths,
}: {
  dir: string;
  /** Held by the caller from before the copy until after the swap. */
  index: IndexLock;
  scratch: string;
  actor: Actor | undefined;
  message: string;
  paths: readonly string[];
}): Promise<string | null | undefined> {
  const tempIndex = join(scratch, 'index');
  const copied = await index.copyTo(tempIndex);
  // No index: fine for a new repository (its first commit), not beside an existing HEAD (the plumbing starts from HEAD's tree then).
  if (!copied && !(await unborn(dir))) return undefined;
  const env = { GIT_INDEX_FILE: tempIndex, LC_ALL: 'C' };
  const input = pathspecs(paths);
  const commitOnly = () =>
    runGit(
      dir,
      [
        ...NO_HOOKS,
        ...authorConfig(actor),
        ...LITERAL,
        'commit',
        '--no-verify',
        '-q',
        '-m',
        message,
        // A new repository's index holds only these paths: all of it is the commit.
        ...(copied ? ['--only', '--pathspec-from-file=-', '--pathspec-file-nul'] : []),
      ],
      copied ? { env, input } : { env },
    );
  // Tracked paths (the usual canvas save) need no `git add` first: commit --only reads them from the tree itself.
  // A new repository knows none of its paths yet: add them at once.
  if (!copied) await runGit(dir, [...LITERAL, 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input });
  let outcome = await commitOnly().then(
    () => 'committed' as const,
    (error: unknown) => error as { exitCode?: number; stdout?: string; message: string },
  );
  if (outcome !== 'committed' && outcome.exitCode === 1 && /did not match any file\(s\) known to git/.test(outcome.message)) {
    await runGit(dir, [...LITERAL, 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input });
    outcome = await commitOnly().then(
      () => 'committed' as const,
      (error: unknown) => error as { exitCode?: number; stdout?: string; message: string },
    );
  }
  if (outcome !== 'committed') {
    // Status 1 with git's own words: the paths are as HEAD has them. The index may still hold older entries for
    // them (a crash between a commit and its index): they are staged from the tree, so the index agrees again.
    if (outcome.exitCode === 1 && /nothing (?:added )?to commit|no changes added to commit/.test(outcome.stdout ?? '')) {
      await runGit(dir, [...LITERAL, 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input });
      await index.replaceWith(tempIndex);
      return null;
    }
    throw outcome;
  }
  const commit = await headCommit(dir);
  await index.replaceWith(tempIndex);
  return commit;
}

/** Whether HEAD names a branch with no commit yet (a repository just made by git init). */
async function unborn(dir: string): Promise<boolean> {
  const ref = /^ref: (refs\/heads\/\S+)$/.exec((await readFile(join(dir, '.git', 'HEAD'), 'utf8').catch(() => '')).trim())?.[1];
  if (!ref) return false;
  const [loose, packed] = await Promise.all([
    readFile(join(dir, '.git', ref)).catch(() => null),
    readFile(join(dir, '.git', 'packed-refs'), 'utf8').catch(() => ''),
  ]);
  return loose === null && !packed.includes(` ${ref}\n`);
}

/** HEAD's commit, read from the ref file git just wrote (a loose ref), else asked of git. */
async function headCommit(dir: string): Promise<string> {
  const head = (await readFile(join(dir, '.git', 'HEAD'), 'utf8')).trim();
  const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(head)?.[1];
  const loose = ref ? (await readFile(join(dir, '.git', ref), 'utf8').catch(() => '')).trim() : head;
  return /^[0-9a-f]{40,64}$/.test(loose) ? loose : (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}
