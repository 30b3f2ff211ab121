import { copyFile, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RepositoryIndexLockedError } from './repository-errors.ts';

/** How long a commit waits for another git process (someone's `git status` in the project folder) to let go of the index: 10 s. */
export const INDEX_LOCK_WAIT_MS = 10_000;

/**
 * `.git/index.lock`, held by a commit from before it copies the index until its temporary index
 * has replaced the real one. Git's own writers take this lock before they read the index and
 * check it is unchanged before they write it back, but a rename by us that skipped the lock
 * could land between that check and their write, and a `git status` run by hand in the project
 * (which refreshes the index opportunistically) would then put back an index from before the
 * commit: HEAD holding a file the index had lost. Holding the lock keeps them out: their
 * optional writes are skipped, their required ones wait or fail as with any other git.
 */
export class IndexLock {
  #held = true;

  private constructor(
    readonly dir: string,
    readonly lockFile: string,
  ) {}

  get index(): string {
    return join(this.dir, '.git', 'index');
  }

  static async take(dir: string, { waitMs = INDEX_LOCK_WAIT_MS }: { waitMs?: number } = {}): Promise<IndexLock> {
    const lockFile = join(dir, '.git', 'index.lock');
    const deadline = Date.now() + waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      try {
        await (await open(lockFile, 'wx')).close();
        return new IndexLock(dir, lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (Date.now() >= deadline) throw new RepositoryIndexLockedError(waitMs);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** A copy of the real index to work in (false when there is none yet). */
  copyTo(file: string): Promise<boolean> {
    return copyFile(this.index, file).then(
      () => true,
      () => false,
    );
  }

  /** The temporary index becomes the real one (still under the lock). */
  async replaceWith(file: string): Promise<void> {
    if (!this.#held) throw new Error('the index lock was already released');
    await rename(file, this.index);
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await rm(this.lockFile, { force: true });
  }
}
