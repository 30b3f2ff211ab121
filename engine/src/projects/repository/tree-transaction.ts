import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { appendFile, copyFile, link, lstat, mkdir, rename, rm, rmdir, truncate, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { atomicWriteFile, TEMP_SUFFIX } from '../atomic-write.ts';
import type { FileChange } from './project-repository.ts';
import { RepositoryChangeError } from './repository-errors.ts';

/** Where a transaction keeps what it replaced until its commit lands: inside .git, so never in the tree. */
export const SCRATCH_DIR = join('.git', 'studio-repository');

type Undo = () => Promise<void>;

/**
 * The working-tree side of one commit: each change is made so it can be undone (a replaced file is
 * kept as a hard link, a removed one renamed aside, an append remembers the old length) until
 * `finish` drops what was kept, or `rollback` puts every path back as it was.
 */
export class TreeTransaction {
  readonly #undo: Undo[] = [];
  readonly #after: Array<() => Promise<void>> = [];
  #kept = 0;

  private constructor(
    readonly dir: string,
    /** This transaction's own scratch folder (the temporary index, kept files, LFS pointers). */
    readonly scratch: string,
    /** Whether each written file is fsynced (not in a staging folder that is dropped whole on a crash). */
    readonly durable: boolean,
  ) {}

  static async begin(dir: string, { durable = true }: { durable?: boolean } = {}): Promise<TreeTransaction> {
    const scratch = join(dir, SCRATCH_DIR, `txn-${Date.now()}-${randomBytes(4).toString('hex')}`);
    await mkdir(scratch, { recursive: true });
    return new TreeTransaction(dir, scratch, durable);
  }

  async apply(change: FileChange, blobPath: (oid: string) => Promise<string>): Promise<void> {
    const target = join(this.dir, change.path);
    if ('written' in change) {
      if (!(await lstat(target).catch(() => null))?.isFile())
        throw new RepositoryChangeError(`${change.path} is not a file in the working tree: nothing to commit`, { path: change.path });
      return;
    }
    if ('delete' in change) return this.#setAside(target);
    if ('append' in change) {
      await this.#parents(target);
      const before = await lstat(target).catch(() => null);
      if (before && !before.isFile()) throw new RepositoryChangeError(`${change.path} is not a file: cannot append to it`, { path: change.path });
      this.#undo.push(() => (before ? truncate(target, before.size) : rm(target, { force: true })));
      await appendFile(target, change.append);
      return;
    }
    if ('from' in change) {
      if (!(await lstat(change.from).catch(() => null))?.isFile())
        throw new RepositoryChangeError(`the file to move into ${change.path} is not a regular file`, { path: change.path, from: change.from });
      await this.#parents(target);
      await this.#keep(target);
      try {
        await rename(change.from, target);
        this.#undo.push(() => rename(target, change.from));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        // Another filesystem: copied in (through a temp file, so the path is never half-written), the source removed once committed.
        await this.#copyIn(change.from, target);
        this.#after.push(() => unlink(change.from).catch(() => undefined));
      }
      return;
    }
    await this.#parents(target);
    await this.#keep(target);
    if ('content' in change) {
      this.#undo.push(() => rm(target, { force: true }));
      await atomicWriteFile(target, change.content, { durable: this.durable });
    } else if (change.link) await this.#linkIn(await blobPath(change.blob), target);
    else await this.#copyIn(await blobPath(change.blob), target);
  }

  /** A hard link to the object, through a temporary name (so a replaced file is swapped whole); a copy where links fail. */
  async #linkIn(source: string, target: string): Promise<void> {
    const temp = `${target}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    try {
      await link(source, temp);
    } catch (error) {
      if (!['EXDEV', 'EPERM', 'EMLINK'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      return this.#copyIn(source, target);
    }
    this.#undo.push(() => rm(target, { force: true }));
    try {
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async #copyIn(source: string, target: string): Promise<void> {
    const temp = `${target}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    this.#undo.push(() => rm(target, { force: true }));
    try {
      await copyFile(source, temp, constants.COPYFILE_FICLONE);
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Keeps what the path holds now (a hard link in the scratch folder), to put it back on rollback. */
  async #keep(target: string): Promise<void> {
    const info = await lstat(target).catch(() => null);
    if (!info) return;
    if (!info.isFile())
      throw new RepositoryChangeError(`${relative(this.dir, target)} is not a file: it cannot be replaced`, { path: relative(this.dir, target) });
    const kept = join(this.scratch, `kept-${this.#kept++}`);
    await link(target, kept);
    this.#undo.push(() => rename(kept, target));
  }

  /** A file or folder to remove: renamed aside, deleted once the commit lands. */
  async #setAside(target: string): Promise<void> {
    if (!(await lstat(target).catch(() => null))) return;
    const aside = join(this.scratch, `removed-${this.#kept++}`);
    await rename(target, aside);
    this.#undo.push(() => rename(aside, target));
  }

  /** Creates missing parent folders; rollback removes those it created (when still empty). */
  async #parents(target: string): Promise<void> {
    const first = await mkdir(dirname(target), { recursive: true });
    if (!first) return;
    const created: string[] = [];
    for (let folder = dirname(target); folder.length >= first.length; folder = dirname(folder)) created.push(folder);
    this.#undo.push(async () => {
      for (const folder of created) await rmdir(folder).catch(() => undefined);
    });
  }

  async rollback(): Promise<void> {
    for (const undo of this.#undo.reverse()) await undo().catch(() => undefined);
    await rm(this.scratch, { recursive: true, force: true });
  }

  async finish(): Promise<void> {
    for (const after of this.#after) await after();
    await rm(this.scratch, { recursive: true, force: true });
  }
}
