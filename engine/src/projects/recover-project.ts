import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX } from './atomic-write.ts';
import { changedPathsWithoutLinks } from './changed-paths.ts';
import type { FileChange } from './repository/project-repository.ts';
import { heldRepository } from './repository/open-project-repository.ts';
import { checkProjectPath } from './repository/repository-paths.ts';
import { SCRATCH_DIR } from './repository/tree-transaction.ts';
import { dropPointerFilters } from './repository/index-commit.ts';

function acceptable(path: string): boolean {
  try {
    checkProjectPath(path);
    return true;
  } catch {
    return false;
  }
}

/** Lock files git leaves behind when a process holding them is killed. */
const GIT_LOCKS = [
  'index.lock',
  'HEAD.lock',
  'config.lock',
  'packed-refs.lock',
  'shallow.lock',
  'ORIG_HEAD.lock',
  // left by a killed `git maintenance run` (git-maintenance.ts), which otherwise skips every later run
  'objects/maintenance.lock',
  'objects/info/commit-graph.lock',
  'objects/info/commit-graphs/commit-graph-chain.lock',
  'objects/pack/multi-pack-index.lock',
];

async function findLocks(dir: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 6) out.push(...(await findLocks(path, depth + 1)));
    else if (entry.isFile() && entry.name.endsWith('.lock')) out.push(path);
  }
  return out;
}

async function findTempFiles(dir: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.name === '.git') continue;
    const path = join(dir, entry.name);
    if (entry.name.endsWith(TEMP_SUFFIX)) out.push(path);
    else if (entry.isDirectory() && depth < 8) out.push(...(await findTempFiles(path, depth + 1)));
  }
  return out;
}

export interface RecoveryReport {
  removedLocks: string[];
  removedTempFiles: string[];
  recoveredCommit: string | null;
}

/**
 * Brings a project back to a clean state after an unclean shutdown. Runs at engine start as the
 * first operation of the project's git queue, when no git process of ours can be running on it
 * (the workspace lock ensures no other engine is), so any lock file is stale. Half-written temp files are deleted; whole files the engine wrote but did
 * not commit are committed, so nothing written is lost.
 */
export async function recoverProject(projectDir: string): Promise<RecoveryReport> {
  const gitDir = join(projectDir, '.git');
  const locks = [...GIT_LOCKS.map((name) => join(gitDir, name)), ...(await findLocks(join(gitDir, 'refs')))];
  const removedLocks: string[] = [];
  for (const lock of locks) {
    if (
      await stat(lock).then(
        () => true,
        () => false,
      )
    ) {
      await rm(lock, { force: true });
      removedLocks.push(lock);
    }
  }
  const removedTempFiles = await findTempFiles(projectDir);
  await Promise.all(removedTempFiles.map((f) => rm(f, { recursive: true, force: true })));

  // A commit a crash cut short: its new files are whole in the tree (each written atomically) and are committed below.
  await rm(join(projectDir, SCRATCH_DIR), { recursive: true, force: true });
  await dropPointerFilters(projectDir);

  const changed = await changedPathsWithoutLinks(projectDir);
  let recoveredCommit: string | null = null;
  if (changed.paths.length) {
    const files: FileChange[] = [];
    for (const path of changed.paths) {
      // A name the repository refuses (made by hand: a backslash, a .git folder) stays uncommitted, like a link.
      if (!acceptable(path)) continue;
      const info = await lstat(join(projectDir, path)).catch(() => null);
      if (!info) files.push({ path, delete: true });
      else if (info.isFile()) files.push({ path, written: true });
    }
    recoveredCommit = await heldRepository({ id: projectDir, dir: projectDir }).commit({
      actor: undefined,
      message: 'Recover uncommitted changes after an unclean shutdown',
      files,
    });
  }
  return { removedLocks, removedTempFiles, recoveredCommit };
}
