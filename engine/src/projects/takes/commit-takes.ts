import { actorAuthor, type Actor } from '@studio/node-schemas';
import { link, lstat, mkdir, unlink, utimes } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { TAKE_SIDECAR_FORMAT } from '@studio/node-schemas';
import { createNewFile } from '../create-new-file.ts';
import { openProjectRepository } from '../repository/open-project-repository.ts';
import type { HeldRepository } from '../repository/project-repository.ts';
import type { GitQueue } from '../git-queue.ts';
import { COUNTER_FILE, allocateTake, readCounters, writeCounters, type TakeCounters } from './take-counter.ts';
import { highestTakeOnDisk } from './list-takes.ts';
import { OwnTakeIndex, type OwnTake } from './own-take.ts';
import { TakeOutputMissingError } from './take-errors.ts';
import { takeFileName, type TakeSubject } from './take-subject.ts';
import { REUSABLE_TASK_TYPES, inputSignature, signatureInputOfProvenance, type StoredSignature } from './reuse-signature.ts';

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
  /** Who asked for the generation: the take's commit names them (DESIGN.md section 14). */
  actor?: Actor;
  /**
   * Called once the take is in place on disk (file, sidecar, counter), before its commit: the take
   * is durable from here (start-up recovery commits what a crash left uncommitted).
   */
  onPlaced?: (take: CommittedTake) => void;
}

export interface CommittedTake {
  /** Project-relative path of the take file. */
  path: string;
  sidecar: string;
  version: number;
  take: number;
}

interface Placed {
  take: CommittedTake;
  item: PendingTake;
  resolve: (take: CommittedTake) => void;
  reject: (error: Error) => void;
}

/** Take files are backdated so git never finds them "racily clean" and re-runs the LFS filter on commit. */
const BACKDATE_MS = 60_000;

async function backdate(path: string): Promise<void> {
  const past = new Date(Date.now() - BACKDATE_MS);
  await utimes(path, past, past);
}

/**
 * The input signature of a post-processing take (docs/governance.md#reuse), kept in its sidecar so a
 * later job with the same inputs and parameters reuses it. Null for other takes, and when an input
 * cannot be read any more (the take is still made; it is just never reused).
 */
async function signatureOf(item: PendingTake): Promise<StoredSignature | null> {
  if (!REUSABLE_TASK_TYPES.has(String(item.provenance.task_type))) return null;
  const input = signatureInputOfProvenance(item.provenance);
  return input ? inputSignature(item.projectDir, input).catch(() => null) : null;
}

/**
 * Turns finished outputs into takes, in two steps. Placing (per project, one at a time): a fresh
 * take number, the file moved into place without ever replacing one (link fails if the name exists),
 * the provenance sidecar and the counter; the take is then visible and durable. Committing (in the
 * project's git queue): every take placed since the last commit goes into one commit through LFS,
 * so a burst of generations costs a few commits and nobody waits for git to see their take.
 */
export class TakeCommitter {
  readonly #toPlace = new Map<string, Array<{ item: PendingTake; resolve: (t: CommittedTake) => void; reject: (e: Error) => void }>>();
  readonly #placed = new Map<string, Placed[]>();
  readonly #own = new OwnTakeIndex();

  constructor(private readonly queue: GitQueue) {}

  commit(item: PendingTake): Promise<CommittedTake> {
    return new Promise((resolve, reject) => {
      const waiting = this.#toPlace.get(item.projectId);
      if (waiting) return void waiting.push({ item, resolve, reject });
      this.#toPlace.set(item.projectId, [{ item, resolve, reject }]);
      void this.#placeAll(item.projectId);
    });
  }

  /** Places every take waiting for a project, in order; those that arrive meanwhile go in the next round. */
  async #placeAll(projectId: string): Promise<void> {
    for (;;) {
      const batch = this.#toPlace.get(projectId) ?? [];
      if (!batch.length) return void this.#toPlace.delete(projectId);
      this.#toPlace.set(projectId, []);
      const counters = new Map<string, TakeCounters>();
      const placed: Placed[] = [];
      for (const { item, resolve, reject } of batch) {
        try {
          placed.push({ take: await this.#place(item, counters), item, resolve, reject });
        } catch (error) {
          reject(error as Error);
        }
      }
      try {
        // Only where a take was placed: a failed placement leaves takes.json as committed.
        const touched = new Set(placed.map((p) => p.item.subject.folder));
        for (const [folder, value] of counters) if (touched.has(folder)) await writeCounters(join(batch[0]!.item.projectDir, folder), value);
      } catch (error) {
        for (const p of placed) p.reject(error as Error);
        continue;
      }
      for (const p of placed) {
        p.item.onPlaced?.(p.take);
        this.#enqueueCommit(p);
      }
    }
  }

  /**
   * Crash-safe order: the provenance sidecar is created first (never replacing a file), then the
   * take file is linked beside it, then the source is unlinked. A retry after a kill at any step
   * finds its own sidecar (by task id) and finishes that take: one take per generation, never a take
   * without provenance, and a retry that cannot place anything gives back the number it took.
   */
  async #place(item: PendingTake, counters: Map<string, TakeCounters>): Promise<CommittedTake> {
    const folderAbs = join(item.projectDir, item.subject.folder);
    let folderCounters = counters.get(item.subject.folder);
    if (!folderCounters) {
      await mkdir(folderAbs, { recursive: true });
      counters.set(item.subject.folder, (folderCounters = await readCounters(folderAbs)));
    }
    const taskId = typeof item.provenance.task_id === 'string' ? item.provenance.task_id : null;
    const own = taskId ? await this.#own.find(item.projectDir, item.subject, taskId) : null;
    // Its sidecar must still be there: a take is never finished without its provenance.
    if (own && (await lstat(join(item.projectDir, own.sidecar)).catch(() => null))?.isFile()) return this.#finishOwn(item, own, folderCounters);

    // Only a regular file becomes a take: never a symlink a pipeline left, never nothing.
    if (!(await lstat(item.sourcePath).catch(() => null))?.isFile())
      throw new TakeOutputMissingError(`the output of ${taskId ?? 'this job'} is not a regular file: nothing to place`, { source: item.sourcePath });
    const before = folderCounters[item.subject.name];
    const onDisk = before ? 0 : await highestTakeOnDisk(item.projectDir, item.subject);
    const ext = extname(item.sourcePath).slice(1).toLowerCase() || 'bin';
    const signature = await signatureOf(item);
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 1000) throw new TakeOutputMissingError('no free take number after 1000 tries', { folder: item.subject.folder });
        const { version, take } = allocateTake(folderCounters, item.subject.name, item.fingerprint, onDisk);
        const file = takeFileName(item.subject.name, version, take, ext);
        const stem = file.slice(0, -(ext.length + 1));
        const committed = { path: `${item.subject.folder}/${file}`, sidecar: `${item.subject.folder}/${stem}.json`, version, take };
        const sidecarAbs = join(item.projectDir, committed.sidecar);
        // A file of either name exists (left by hand, or another take's): the next number, never overwrite.
        if (
          !(await createNewFile(
            sidecarAbs,
            JSON.stringify(
              {
                format: TAKE_SIDECAR_FORMAT,
                take: committed.path,
                version,
                number: take,
                ...item.provenance,
                ...(signature ? { input_signature: signature } : {}),
              },
              null,
              2,
            ) + '\n',
          ))
        )
          continue;
        const target = join(folderAbs, file);
        try {
          await link(item.sourcePath, target);
        } catch (error) {
          await unlink(sidecarAbs).catch(() => undefined);
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        }
        if (taskId) await this.#own.remember(item.projectDir, item.subject, taskId, committed);
        await backdate(target);
        await unlink(item.sourcePath).catch(() => undefined);
        return committed;
      }
    } catch (error) {
      if (before) folderCounters[item.subject.name] = before;
      else delete folderCounters[item.subject.name];
      throw error;
    }
  }

  /** A take this task already began placing (its sidecar exists): link the file if that step was missed. */
  async #finishOwn(item: PendingTake, own: OwnTake, folderCounters: TakeCounters): Promise<CommittedTake> {
    const target = join(item.projectDir, own.path);
    const present = await lstat(target).catch(() => null);
    if (!present) {
      if (!(await lstat(item.sourcePath).catch(() => null))?.isFile()) {
        await unlink(join(item.projectDir, own.sidecar)).catch(() => undefined);
        await this.#own.forget(item.projectDir, item.subject, String(item.provenance.task_id));
        throw new TakeOutputMissingError(`the take ${own.path} was begun but its file is gone`, { take: own.path });
      }
      await link(item.sourcePath, target);
      await backdate(target);
    } else if (!present.isFile()) throw new TakeOutputMissingError(`${own.path} is not a regular file`, { take: own.path });
    await unlink(item.sourcePath).catch(() => undefined);
    const counter = folderCounters[item.subject.name];
    if (!counter || counter.lastTake < own.take)
      folderCounters[item.subject.name] = { lastTake: own.take, version: own.version, fingerprint: counter?.fingerprint ?? item.fingerprint };
    return { path: own.path, sidecar: own.sidecar, version: own.version, take: own.take };
  }

  #enqueueCommit(placed: Placed): void {
    const { projectId } = placed.item;
    const list = this.#placed.get(projectId);
    if (list) return void list.push(placed);
    this.#placed.set(projectId, [placed]);
    void openProjectRepository({ id: projectId, dir: placed.item.projectDir, queue: this.queue }).exclusive((held) => this.#commit(held));
  }

  async #commit(held: HeldRepository): Promise<void> {
    const batch = this.#placed.get(held.id) ?? [];
    this.#placed.delete(held.id);
    if (!batch.length) return;
    const paths = new Set<string>();
    for (const { take } of batch) {
      paths.add(take.path);
      paths.add(take.sidecar);
      paths.add(`${take.path.slice(0, take.path.lastIndexOf('/'))}/${COUNTER_FILE}`);
    }
    const describe = ({ item, take }: Placed) =>
      `${take.path.split('/').pop()} (${item.subject.folder.split('/').slice(1).join('/')}, pipeline ${item.pipeline}, seed ${item.seed})`;
    const message = batch.length === 1 ? `Take ${describe(batch[0]!)}` : `${batch.length} takes:\n\n${batch.map((p) => `- ${describe(p)}`).join('\n')}`;
    try {
      // Takes that finish together share a commit: its author asked for the first, the others are co-authors.
      const actors = [
        ...new Map(batch.flatMap(({ item }) => (item.actor ? [[`${item.actor.kind}.${item.actor.id}@${item.actor.tenant}`, item.actor]] : []))).values(),
      ];
      const [author, ...others] = actors;
      const trailers = others.map((a) => `Co-authored-by: ${actorAuthor(a).name} <${actorAuthor(a).email}>`);
      // Placed already (durable before their commit); a retried job whose take was committed before the crash commits nothing new.
      await held.commit({
        actor: author,
        message: trailers.length ? `${message}\n\n${trailers.join('\n')}` : message,
        files: [...paths].map((path) => ({ path, written: true as const })),
      });
      for (const p of batch) p.resolve(p.take);
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
    }
  }
}
