import { mkdir, link, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { atomicWriteJson } from '../atomic-write.ts';
import { commitPaths } from '../git.ts';
import type { GitQueue } from '../git-queue.ts';
import { COUNTER_FILE, allocateTake, readCounters, writeCounters, type TakeCounters } from './take-counter.ts';
import { highestTakeOnDisk } from './list-takes.ts';
import { takeFileName, type TakeSubject } from './take-subject.ts';

/** A finished output waiting to become a take. */
export interface PendingTake {
  projectId: string;
  projectDir: string;
  subject: TakeSubject;
  /** The output file, on the same filesystem as the project (the workspace's job folder). */
  sourcePath: string;
  fingerprint: string;
  /** Provenance written to the sidecar (pipeline, digest, quality, params, seed, inputs, worker, timings...). */
  provenance: Record<string, unknown>;
  /** For the commit message. */
  pipeline: string;
  seed: number;
}

export interface CommittedTake {
  /** Project-relative path of the take file. */
  path: string;
  sidecar: string;
  version: number;
  take: number;
}

interface Waiting {
  item: PendingTake;
  resolve: (take: CommittedTake) => void;
  reject: (error: Error) => void;
}

/**
 * Turns finished outputs into takes: a fresh take number per subject, the file moved into place
 * without ever replacing one (link fails if the name exists), the provenance sidecar, and a commit
 * through LFS. Takes that arrive while a commit is running go together in the next commit, so a
 * burst of generations costs a few commits, not one each.
 */
export class TakeCommitter {
  readonly #waiting = new Map<string, Waiting[]>();

  constructor(private readonly queue: GitQueue) {}

  commit(item: PendingTake): Promise<CommittedTake> {
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(item.projectId);
      if (list) return void list.push({ item, resolve, reject });
      this.#waiting.set(item.projectId, [{ item, resolve, reject }]);
      void this.queue.run(item.projectId, () => this.#flush(item.projectId));
    });
  }

  async #flush(projectId: string): Promise<void> {
    const batch = this.#waiting.get(projectId) ?? [];
    this.#waiting.delete(projectId);
    if (!batch.length) return;
    const projectDir = batch[0]!.item.projectDir;
    const counters = new Map<string, TakeCounters>();
    const placed: Array<{ waiting: Waiting; take: CommittedTake }> = [];
    const paths: string[] = [];
    for (const waiting of batch) {
      const { item } = waiting;
      try {
        const folderAbs = join(projectDir, item.subject.folder);
        await mkdir(folderAbs, { recursive: true });
        let folderCounters = counters.get(item.subject.folder);
        if (!folderCounters) counters.set(item.subject.folder, (folderCounters = await readCounters(folderAbs)));
        const onDisk = folderCounters[item.subject.name] ? 0 : await highestTakeOnDisk(projectDir, item.subject);
        const ext = extname(item.sourcePath).slice(1).toLowerCase() || 'bin';
        let take!: CommittedTake;
        for (let attempt = 0; ; attempt++) {
          const { version, take: number } = allocateTake(folderCounters, item.subject.name, item.fingerprint, onDisk);
          const file = takeFileName(item.subject.name, version, number, ext);
          try {
            await link(item.sourcePath, join(folderAbs, file));
          } catch (error) {
            // A file of that name exists (left by hand): take the next number, never overwrite.
            if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 1000) continue;
            throw error;
          }
          const stem = file.slice(0, -(ext.length + 1));
          take = { path: `${item.subject.folder}/${file}`, sidecar: `${item.subject.folder}/${stem}.json`, version, take: number };
          break;
        }
        await unlink(item.sourcePath).catch(() => undefined);
        await atomicWriteJson(join(projectDir, take.sidecar), { take: take.path, version: take.version, number: take.take, ...item.provenance });
        paths.push(take.path, take.sidecar);
        placed.push({ waiting, take });
      } catch (error) {
        waiting.reject(error as Error);
      }
    }
    if (!placed.length) return;
    try {
      for (const [folder, value] of counters) {
        await writeCounters(join(projectDir, folder), value);
        paths.push(`${folder}/${COUNTER_FILE}`);
      }
      const describe = ({ waiting, take }: (typeof placed)[number]) =>
        `${take.path.split('/').pop()} (${waiting.item.subject.folder.split('/').slice(1).join('/')}, pipeline ${waiting.item.pipeline}, seed ${waiting.item.seed})`;
      const message =
        placed.length === 1
          ? `Take ${describe(placed[0]!)}`
          : `${placed.length} takes:\n\n${placed.map((p) => `- ${describe(p)}`).join('\n')}`;
      await commitPaths(projectDir, message, paths);
      for (const { waiting, take } of placed) waiting.resolve(take);
    } catch (error) {
      for (const { waiting } of placed) waiting.reject(error as Error);
    }
  }
}
