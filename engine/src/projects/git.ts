import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { actorAuthor, actorFromAuthor, type Actor } from '@studio/node-schemas';
import { GitOperationError } from '../errors.ts';
import { notifyCommitted } from './commit-notice.ts';

const IDENTITY = { name: 'Studio Engine', email: 'engine@studio.local' };

/** Output of git is read whole; a history page or an ls-tree of tens of thousands of takes fits. */
const MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs git in a folder and resolves with its stdout; rejects with its stderr when it exits non-zero. */
export function runGit(
  dir: string,
  args: readonly string[],
  { input, env }: { input?: string | Uint8Array; env?: Record<string, string> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { cwd: dir, maxBuffer: MAX_OUTPUT, encoding: 'utf8' as const, ...(env ? { env: { ...process.env, ...env } } : {}) };
    const child = execFile('git', args, options, (error, stdout, stderr) => {
      // The exit status and stdout go along: `git commit` says "nothing to commit" with status 1 on stdout.
      if (error) reject(Object.assign(new Error(stderr.trim() || error.message), { exitCode: error.code, stdout }));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * git over child_process.execFile. It replaced simple-git, which waits 50 ms after any command
 * that prints nothing (a clean `git status`, a `git log` with no match): most of start-up.
 */
export interface GitRunner {
  raw(args: readonly string[]): Promise<string>;
}

export function gitAt(dir: string, config: readonly string[] = []): GitRunner {
  return { raw: (args) => runGit(dir, [...config, ...args]) };
}

/**
 * The author of a commit is its actor (DESIGN.md section 14); the committer stays the engine. With
 * no actor the author is the engine too (its own housekeeping: recovery, maintenance).
 */
export function authorConfig(actor: Actor | undefined): string[] {
  if (!actor) return [];
  const { name, email } = actorAuthor(actor);
  return ['-c', `author.name=${name}`, '-c', `author.email=${email}`];
}

async function wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw new GitOperationError(`git ${what} failed: ${(error as Error).message.trim()}`);
  }
}

/**
 * Settings the engine relies on: its own identity, no background auto-gc racing our commits, and an
 * index that stays cheap to rewrite with tens of thousands of takes (path-compressed and split).
 * Shared index files keep git's default expiry: an immediate one lets a `git commit -- paths`
 * (which writes a temporary index) delete the shared file the main index still points at.
 */
const REPOSITORY_CONFIG = `[user]
\tname = ${IDENTITY.name}
\temail = ${IDENTITY.email}
[gc]
\tauto = 0
[maintenance]
\tauto = false
[commit]
\tgpgsign = false
[index]
\tversion = 4
[core]
\tsplitIndex = true
`;

/* The settings are appended to .git/config in one write rather than one `git config` process per key. */

/** git init with LFS installed locally. */
export async function initRepository(dir: string): Promise<void> {
  const git = gitAt(dir);
  await wrap('init', () => git.raw(['init', '--initial-branch=main']));
  await appendFile(join(dir, '.git', 'config'), REPOSITORY_CONFIG);
  await wrap('lfs install', () => git.raw(['lfs', 'install', '--local']));
}

/*
 * The engine's own commits skip git hooks: the hooks `git lfs install` adds (post-commit and the
 * checkout ones) only manage lockable files, which the studio does not use, and each costs a
 * git-lfs start (tens of ms). LFS still does its work in the clean filter on `git add`; the
 * pre-push hook stays installed for people who push.
 */
const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/** Stages the given paths (or everything) and commits. Returns the new commit's abbreviated hash. */
export async function commitPaths(dir: string, message: string, paths: readonly string[] | 'all', actor?: Actor): Promise<string> {
  const git = gitAt(dir, authorConfig(actor));
  return wrap('commit', async () => {
    await git.raw(['add', '--verbose', '--', ...(paths === 'all' ? ['.'] : paths)]);
    const summary = await git.raw([...NO_HOOKS, 'commit', '--no-verify', '-m', message]);
    await notifyCommitted(dir, paths);
    return /^\[\S+ (?:\(root-commit\) )?([0-9a-f]+)\]/.exec(summary)?.[1] ?? '';
  });
}

/**
 * Commits what is staged with plumbing: write-tree (from the cache-tree, only changed folders are
 * hashed), commit-tree, and an update-ref transaction that checks HEAD did not move meanwhile.
 * Unlike `git commit` it does not re-stat every file in the index, so its cost stays flat as a
 * project grows to tens of thousands of takes. Needs an existing HEAD.
 */
export async function commitStaged(dir: string, message: string, paths?: readonly string[], actor?: Actor): Promise<string> {
  const git = gitAt(dir, authorConfig(actor));
  return wrap('commit', async () => {
    const [tree, parent] = await Promise.all([git.raw(['write-tree']), git.raw(['rev-parse', '--verify', 'HEAD'])]);
    const commit = (await git.raw(['commit-tree', tree.trim(), '-p', parent.trim(), '-m', message])).trim();
    // update-ref --stdin answers each step of its transaction.
    const transaction = `start\nupdate HEAD ${commit} ${parent.trim()}\nprepare\ncommit\n`;
    const answer = await runGit(dir, ['update-ref', '-m', `commit: ${message.split('\n')[0]}`, '--stdin'], { input: transaction });
    if (!answer.includes('commit: ok')) throw new Error(`update-ref did not commit: ${answer}`);
    // The commit notice names what changed; a caller that did not say is answered from the trees.
    const changed =
      paths ?? (await git.raw(['diff-tree', '-r', '-z', '--name-only', '--no-commit-id', parent.trim(), tree.trim()])).split('\0').filter(Boolean);
    await notifyCommitted(dir, changed);
    return commit;
  });
}

/** Commits tracked files changed in the working tree, in one git process. */
export async function commitTracked(dir: string, message: string, paths: readonly string[], actor?: Actor): Promise<void> {
  const git = gitAt(dir, authorConfig(actor));
  await wrap('commit', () => git.raw([...NO_HOOKS, 'commit', '--no-verify', '-m', message, '--', ...paths]));
  await notifyCommitted(dir, paths);
}

export interface LogEntry {
  hash: string;
  message: string;
  time: string;
  /** The commit's author as an actor; null for a commit the studio did not make (a push from a git client). */
  actor: Actor | null;
  /** The author as git records it, for commits without a studio actor. */
  author: string;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

export async function readLog(dir: string, { limit, skip = 0 }: { limit: number; skip?: number }): Promise<LogEntry[]> {
  const git = gitAt(dir);
  const raw = await wrap('log', () =>
    git.raw(['log', `--max-count=${limit}`, `--skip=${skip}`, `--format=%H${FIELD}%cI${FIELD}%an${FIELD}%ae${FIELD}%B${RECORD}`]),
  );
  return raw
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.length)
    .map((r) => {
      const [hash, time, name, email, message] = r.split(FIELD) as [string, string, string, string, string];
      return { hash, time, message: message.trim(), actor: actorFromAuthor(name, email), author: name };
    });
}

export async function lastCommitTime(dir: string): Promise<string | null> {
  const [entry] = await readLog(dir, { limit: 1 }).catch(() => []);
  return entry?.time ?? null;
}
