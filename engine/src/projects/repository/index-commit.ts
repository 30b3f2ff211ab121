import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Actor } from '@studio/node-schemas';
import { authorConfig, runGit } from '../git.ts';
import type { FileChange } from './project-repository.ts';
import type { IndexLock } from './index-lock.ts';
import { RepositoryPathError } from './repository-errors.ts';

const NO_PARENT = '0000000000000000000000000000000000000000';

/** Paths are names, never patterns (a file called `*.png` is that file); given on stdin, as a recovery can name tens of thousands. */
const LITERAL = ['--literal-pathspecs'];
const pathspecs = (paths: readonly string[]) => paths.map((p) => `${p}\0`).join('');

export function lfsPointer(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

/**
 * The index side of one commit, in a temporary index (a copy of the real one, so its stat cache
 * and cache-tree stay warm): the changed paths staged, the tree written, the commit made and HEAD
 * moved only if it has not moved meanwhile, then the temporary index renamed over the real one.
 * Until that rename the real index is untouched, so a failure leaves it as it was. Only the named
 * paths are in the commit: anything else found staged is left out (and left staged).
 */
export async function commitIndex({
  dir,
  index,
  scratch,
  actor,
  message,
  changes,
  blobSizes,
}: {
  dir: string;
  /** Held by the caller from before the copy until after the swap. */
  index: IndexLock;
  scratch: string;
  actor: Actor | undefined;
  message: string;
  changes: readonly FileChange[];
  /** The size of each `blob` change's object. */
  blobSizes: ReadonlyMap<string, number>;
}): Promise<string | null> {
  const tempIndex = join(scratch, 'index');
  const env = { GIT_INDEX_FILE: tempIndex };
  const git = (args: readonly string[], input?: string) => runGit(dir, args, { env, ...(input === undefined ? {} : { input }) });

  // Independent steps run side by side: HEAD is read while the index is copied and staged, the commit object is written while the trees are compared.
  const head = runGit(dir, ['rev-parse', 'HEAD^{commit}', 'HEAD^{tree}']).then(
    (out) => out.trim().split('\n') as [string, string],
    () => ['', ''] as [string, string],
  );
  const copied = await index.copyTo(tempIndex);
  // No index beside an existing HEAD: start from HEAD's tree, never from nothing (that would commit every other file as deleted).
  if (!copied && (await head)[0]) await git(['read-tree', (await head)[0]]);

  const added = changes.filter((c) => !('delete' in c) && !('blob' in c)).map((c) => c.path);
  const removed = changes.filter((c) => 'delete' in c).map((c) => c.path);
  const blobs = changes.flatMap((c) => ('blob' in c ? [c] : []));
  if (added.length) await git([...LITERAL, 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], pathspecs(added));
  if (removed.length)
    await git([...LITERAL, 'rm', '-r', '-q', '--cached', '--ignore-unmatch', '--pathspec-from-file=-', '--pathspec-file-nul'], pathspecs(removed));
  if (blobs.length) await stagePointers({ dir, scratch, git, blobs, blobSizes });

  const tree = (await git(['write-tree'])).trim();
  const [parent, parentTree] = await head;
  const commitTree = (of: string) =>
    runGit(dir, [...authorConfig(actor), 'commit-tree', of, ...(parent ? ['-p', parent] : []), '-m', message]).then((out) => out.trim());
  if (parent && tree === parentTree) {
    await index.replaceWith(tempIndex);
    return null;
  }
  let commit: string;
  let foreign: string[] = [];
  if (parent) {
    const [diff, speculative] = await Promise.all([runGit(dir, ['diff-tree', '-r', '-z', '--name-only', '--no-commit-id', parent, tree]), commitTree(tree)]);
    const changed = diff.split('\0').filter(Boolean);
    const named = (path: string) => changes.some((c) => path === c.path || path.startsWith(`${c.path}/`));
    foreign = changed.filter((path) => !named(path));
    commit = speculative;
    if (foreign.length) {
      // The tree holds something else that was staged: leave it out (and staged), commit only the named paths.
      await git([...LITERAL, 'reset', '-q', '--pathspec-from-file=-', '--pathspec-file-nul', parent], pathspecs(foreign));
      const committedTree = (await git(['write-tree'])).trim();
      if (committedTree === parentTree) return null;
      commit = await commitTree(committedTree);
    }
  } else commit = await commitTree(tree);
  // update-ref --stdin answers each step of its transaction; the old value makes it refuse a HEAD that moved.
  const transaction = `start\nupdate HEAD ${commit} ${parent || NO_PARENT}\nprepare\ncommit\n`;
  const answer = await runGit(dir, ['update-ref', '-m', `commit: ${message.split('\n')[0]}`, '--stdin'], { input: transaction });
  if (!answer.includes('commit: ok')) throw new Error(`update-ref did not commit: ${answer}`);
  // Something else was staged: the real index keeps it, and takes the committed paths from HEAD (in a copy of it: the lock is ours, so git cannot take it).
  if (foreign.length) {
    const kept = join(scratch, 'index-kept');
    await index.copyTo(kept);
    await runGit(dir, [...LITERAL, 'reset', '-q', '--pathspec-from-file=-', '--pathspec-file-nul', 'HEAD'], {
      env: { GIT_INDEX_FILE: kept },
      input: pathspecs(changes.map((c) => c.path)),
    });
    await index.replaceWith(kept);
  } else await index.replaceWith(tempIndex);
  return commit;
}

/** `blob` changes: their LFS pointers written as git objects and put straight into the index (the bytes are not hashed again). */
async function stagePointers({
  dir,
  scratch,
  git,
  blobs,
  blobSizes,
}: {
  dir: string;
  scratch: string;
  git: (args: readonly string[], input?: string) => Promise<string>;
  blobs: ReadonlyArray<{ path: string; blob: string }>;
  blobSizes: ReadonlyMap<string, number>;
}): Promise<void> {
  const attributes = (await runGit(dir, ['check-attr', '-z', 'filter', '--', ...blobs.map((b) => b.path)])).split('\0');
  for (let i = 0; i + 2 < attributes.length; i += 3)
    if (attributes[i + 2] !== 'lfs') throw new RepositoryPathError(attributes[i]!, 'a blob can only be committed at a path .gitattributes sends through LFS');
  const pointers = await Promise.all(
    blobs.map(async ({ blob }, i) => {
      const file = join(scratch, `pointer-${i}`);
      await writeFile(file, lfsPointer(blob, blobSizes.get(blob)!));
      return file;
    }),
  );
  if (blobs.every((b) => ATTRIBUTE_SAFE.test(b.path)) && blobs.length <= 64) return addPointers({ dir, git, blobs, pointers });
  const hashes = (await git(['hash-object', '-w', '--no-filters', '--stdin-paths'], pointers.join('\n') + '\n')).trim().split('\n');
  await git(['update-index', '--add', '-z', '--index-info'], blobs.map((b, i) => `100644 ${hashes[i]}\t${b.path}\0`).join(''));
}

/** The attribute lines a blob commit adds for one command; start-up recovery removes any a crash left. */
export const POINTER_FILTER_LINE = /^\/\S+ filter=studio-pointer-\d+$/;

/** Drops the lines a blob commit cut short by a crash left in .git/info/attributes (they would send those paths past LFS). */
export async function dropPointerFilters(dir: string): Promise<void> {
  const attributes = join(dir, '.git', 'info', 'attributes');
  const text = await readFile(attributes, 'utf8').catch(() => null);
  if (text === null) return;
  const kept = text.split('\n').filter((line) => !POINTER_FILTER_LINE.test(line));
  if (kept.length !== text.split('\n').length) await writeFile(attributes, kept.join('\n'));
}

/** Paths an attributes line can name as they are (glob characters are escaped; whitespace and quotes cannot be written there). */
const ATTRIBUTE_SAFE = /^[^\s"#!\\]+$/;
const escapeGlob = (path: string) => path.replace(/[*?[\]]/g, (c) => `\\${c}`);
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * `git add` of blob paths with their stat data but without reading their bytes: for this one
 * command, `.git/info/attributes` (the only attributes that outrank the tree's .gitattributes)
 * gives each path a clean filter of its own that prints its pointer and reads nothing (git
 * tolerates the filter not reading its input; `required` makes a failing filter fatal, never a
 * commit of the raw bytes). The attributes are put back as they were, whatever happens.
 */
async function addPointers({
  dir,
  git,
  blobs,
  pointers,
}: {
  dir: string;
  git: (args: readonly string[], input?: string) => Promise<string>;
  blobs: ReadonlyArray<{ path: string }>;
  pointers: readonly string[];
}): Promise<void> {
  const attributes = join(dir, '.git', 'info', 'attributes');
  const before = await readFile(attributes).catch(() => null);
  const lines = blobs.map((b, i) => `/${escapeGlob(b.path)} filter=studio-pointer-${i}`).join('\n');
  const config = blobs.flatMap((_, i) => [
    '-c',
    `filter.studio-pointer-${i}.clean=cat ${shellQuote(pointers[i]!)}`,
    '-c',
    `filter.studio-pointer-${i}.required=true`,
  ]);
  try {
    await mkdir(dirname(attributes), { recursive: true });
    const kept = before && before.length && before[before.length - 1] !== 0x0a ? Buffer.concat([before, Buffer.from('\n')]) : (before ?? Buffer.alloc(0));
    await writeFile(attributes, Buffer.concat([kept, Buffer.from(`${lines}\n`)]));
    await git([...config, ...LITERAL, 'add', '--pathspec-from-file=-', '--pathspec-file-nul'], pathspecs(blobs.map((b) => b.path)));
  } finally {
    if (before === null) await rm(attributes, { force: true });
    else await writeFile(attributes, before);
  }
}
