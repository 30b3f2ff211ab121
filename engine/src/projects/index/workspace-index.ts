import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ProjectId } from '@studio/node-schemas';
import { atomicWriteJson } from '../atomic-write.ts';
import { onCommit, type CommitNotice } from '../commit-notice.ts';
import { MANIFEST_FILE } from '../layout.ts';
import { readManifest } from '../manifest-file.ts';
import { ensureThumbnail } from '../takes/thumbnail.ts';
import type { Workspace } from '../workspace.ts';
import { ChangeWatch, changesDelivered } from './change-watch.ts';
import { IndexEntry, manifestMtime, readIndexEntry } from './index-entry.ts';
import { Slots } from './slots.ts';
import { readHeadSync } from './repository-head.ts';
import { isPictureTake, isTakeFile } from './take-paths.ts';

const IndexFile = z.object({ version: z.literal(1), entries: z.record(z.string(), IndexEntry) });

/** Rebuilds that need git run this many at a time: a first list of 500 unseen packed projects must not start 1,500 git processes at once. */
const REBUILD_PARALLELISM = 4;
/** Entries read in-process at once: each holds files open, and a cold list of 500 must stay far below the open-file limit (1,024 on many machines). */
const READ_PARALLELISM = 32;
const SAVE_DELAY_MS = 1000;
/** Projects given their watches per turn of the event loop. */
const WATCH_BATCH = 25;

export interface IndexedProject extends IndexEntry {
  id: string;
}

/**
 * Title, last change, latest take and counts of every project, without asking git on each request.
 * The engine is the single writer of its repositories: each commit it makes updates the entry it
 * touched (commit-notice). An entry is read again from git only when the repository's HEAD is not
 * the one the index last saw (a commit made behind the engine's back), and its manifest only when
 * project.json changed. Kept on disk so a restart starts warm.
 *
 * A list looks at the disk only where a watch (change-watch.ts) heard something since the last
 * list: a list of 500 unchanged projects reads no file. Where nothing can be watched, each list
 * checks every HEAD and project.json, as a few file reads per project.
 */
export class WorkspaceIndex {
  readonly #entries = new Map<string, IndexEntry>();
  readonly #rebuilding = new Map<string, Promise<IndexEntry | null>>();
  readonly #file: string;
  #saveTimer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  readonly #gitSlots = new Slots(REBUILD_PARALLELISM);
  readonly #readSlots = new Slots(READ_PARALLELISM);
  readonly #unsubscribe: () => void;
  readonly #watch: ChangeWatch;
  /** The projects folder as last read (id to project.json's mtime); read again when its watch hears a change. */
  #present: Map<string, number> | null = null;
  #listChanged = true;
  #rootWatched = false;
  /** Projects a watch heard change since they were last checked. */
  readonly #changed = new Set<string>();
  readonly #toWatch = new Set<string>();
  #watchPump: NodeJS.Immediate | null = null;

  constructor(private readonly workspace: Workspace) {
    this.#file = join(workspace.home, '.index', 'projects.json');
    this.#load();
    this.#unsubscribe = onCommit((notice) => this.#committed(notice));
    this.#watch = new ChangeWatch(workspace.projectsDir, {
      listChanged: (name) => {
        this.#listChanged = true;
        // A folder of that name replaced: its watches follow the old folder.
        if (name && this.#present?.has(name)) this.#watch.unwatchProject(name);
      },
      projectChanged: (id) => this.#changed.add(id),
    });
  }

  /** Stops following commits and changes on disk and writes what is pending (an index that is dropped). */
  async close(): Promise<void> {
    this.#unsubscribe();
    if (this.#watchPump) clearImmediate(this.#watchPump);
    this.#watchPump = null;
    this.#watch.close();
    await this.save();
  }

  #load(): void {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.#file, 'utf8'));
    } catch {
      return; // none yet: every entry is read on first use
    }
    const parsed = IndexFile.safeParse(raw);
    if (parsed.success) for (const [id, entry] of Object.entries(parsed.data.entries)) this.#entries.set(id, entry);
  }

  /** Every project present, each entry checked where its repository or project.json may have changed. Unreadable projects are left out. */
  async projects(): Promise<IndexedProject[]> {
    await changesDelivered();
    if (!this.#rootWatched) this.#rootWatched = this.#watch.start();
    if (!this.#rootWatched || this.#listChanged || !this.#present) this.#readProjectsFolder();
    const out = await Promise.all(
      [...this.#present!.keys()].map(async (id) => {
        const known = this.#entries.get(id);
        if (known && !this.#changed.has(id) && this.#watch.watching(id)) return { id, ...known };
        const entry = await this.#check(id);
        return entry ? { id, ...entry } : null;
      }),
    );
    return out.filter((p): p is IndexedProject => p !== null);
  }

  #readProjectsFolder(): void {
    // Cleared first: a change heard while the folder is read marks it again.
    this.#listChanged = false;
    const { present, incomplete } = this.#presentIds();
    // A folder still being made has no project.json yet: read the folder again until it has one.
    if (incomplete) this.#listChanged = true;
    for (const id of this.#entries.keys()) if (!present.has(id)) this.#forget(id);
    for (const id of this.#present?.keys() ?? []) if (!present.has(id)) this.#watch.unwatchProject(id);
    for (const [id, mtimeMs] of present) if (this.#present?.get(id) !== mtimeMs) this.#changed.add(id);
    this.#present = present;
  }

  /** Reads a project's HEAD and project.json's mtime and brings its entry up to date; a project not watched yet is queued for a watch. */
  async #check(id: string): Promise<IndexEntry | null> {
    this.#changed.delete(id);
    if (!this.#watch.watching(id)) this.#queueWatch(id);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(join(this.workspace.projectsDir, id, MANIFEST_FILE)).mtimeMs;
    } catch {
      // Gone, or not a project any more: the folder is read again on the next list.
      this.#listChanged = true;
      return null;
    }
    this.#present?.set(id, mtimeMs);
    return this.#current(id, mtimeMs);
  }

  /**
   * Watches are set up a batch per turn of the event loop, not in the list that found the projects:
   * 1,500 watches for 500 projects take a few hundred milliseconds, which the first list after a
   * start would otherwise wait for. A project is checked on every list until it is watched, and
   * once more after (a change between its last check and its watch is not missed).
   */
  #queueWatch(id: string): void {
    this.#toWatch.add(id);
    if (this.#watchPump) return;
    const pump = () => {
      const batch = [...this.#toWatch].slice(0, WATCH_BATCH);
      for (const next of batch) {
        this.#toWatch.delete(next);
        if (this.#present?.has(next) && !this.#watch.watching(next) && this.#watch.watchProject(next)) this.#changed.add(next);
      }
      this.#watchPump = this.#toWatch.size ? setImmediate(pump) : null;
    };
    this.#watchPump = setImmediate(pump);
  }

  /** Reads every entry that is stale or missing now, so the first list after start-up finds them ready. */
  async warm(): Promise<void> {
    await this.projects();
  }

  /**
   * Ids of the project folders (holding a project.json) with project.json's mtime, and whether a
   * folder without one was seen. Sync: 500 stats take about a millisecond.
   */
  #presentIds(): { present: Map<string, number>; incomplete: boolean } {
    const present = new Map<string, number>();
    let incomplete = false;
    let names: string[];
    try {
      names = readdirSync(this.workspace.projectsDir);
    } catch {
      return { present, incomplete };
    }
    for (const name of names) {
      if (!ProjectId.safeParse(name).success) continue;
      try {
        const manifest = statSync(join(this.workspace.projectsDir, name, MANIFEST_FILE));
        if (manifest.isFile()) present.set(name, manifest.mtimeMs);
      } catch {
        // a reserved or half-made folder: not a project (yet)
        incomplete = true;
      }
    }
    return { present, incomplete };
  }

  async #current(id: string, mtimeMs: number): Promise<IndexEntry | null> {
    const dir = join(this.workspace.projectsDir, id);
    const entry = this.#entries.get(id);
    if (!entry || entry.head !== readHeadSync(dir)) return this.#rebuild(id);
    if (entry.manifestMtimeMs === mtimeMs) return entry;
    try {
      const manifest = await readManifest(dir);
      this.#entries.set(id, { ...entry, manifest, manifestMtimeMs: mtimeMs });
      this.#scheduleSave();
      return this.#entries.get(id)!;
    } catch {
      return null;
    }
  }

  #rebuild(id: string): Promise<IndexEntry | null> {
    let pending = this.#rebuilding.get(id);
    if (!pending) {
      // Only the git processes wait for a slot: an entry read from loose objects costs a few file reads.
      pending = this.#readSlots
        .run(() => readIndexEntry(join(this.workspace.projectsDir, id), { gitTurn: (work) => this.#gitSlots.run(work) }))
        .then((entry) => {
          this.#entries.set(id, entry);
          this.#scheduleSave();
          return entry;
        })
        .catch(() => {
          this.#forget(id);
          return null;
        })
        .finally(() => this.#rebuilding.delete(id));
      this.#rebuilding.set(id, pending);
    }
    return pending;
  }

  #forget(id: string): void {
    this.#changed.delete(id);
    if (this.#entries.delete(id)) this.#scheduleSave();
  }

  /** An engine commit: the entry follows it without a git process (a rebuild only for `git add .`). */
  async #committed({ dir, paths }: CommitNotice): Promise<void> {
    if (dirname(dir) !== this.workspace.projectsDir) return;
    const id = basename(dir);
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (paths === 'all') {
      this.#entries.delete(id);
      await this.#rebuild(id);
      return;
    }
    const takes = paths.filter(isTakeFile);
    const picture = takes.filter(isPictureTake).pop();
    const touchesManifest = paths.includes(MANIFEST_FILE);
    const [manifest, manifestMtimeMs] = touchesManifest ? await Promise.all([readManifest(dir), manifestMtime(dir)]) : [entry.manifest, entry.manifestMtimeMs];
    // A list that came meanwhile saw the new HEAD and read the entry from git: it is current.
    if (this.#entries.get(id) !== entry || this.#rebuilding.has(id)) return;
    const updated: IndexEntry = {
      head: readHeadSync(dir),
      manifest,
      manifestMtimeMs,
      updatedAt: new Date().toISOString(),
      commits: entry.commits + 1,
      takes: entry.takes + takes.length,
      latestTake: entry.latestTake,
    };
    this.#entries.set(id, updated);
    this.#scheduleSave();
    // A video's thumbnail is an ffmpeg run: the commit does not wait for it.
    if (picture)
      void ensureThumbnail(dir, picture).then(
        (thumb) => {
          if (thumb && this.#entries.get(id) === updated) this.#entries.set(id, { ...updated, latestTake: thumb });
        },
        () => undefined,
      );
  }

  #scheduleSave(): void {
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      void this.save();
    }, SAVE_DELAY_MS);
    this.#saveTimer.unref();
  }

  /** Writes the index now (also called on a graceful stop). A lost write costs only rebuilds. */
  save(): Promise<void> {
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = null;
    }
    const entries = Object.fromEntries(this.#entries);
    this.#saving = this.#saving
      .then(async () => {
        await mkdir(dirname(this.#file), { recursive: true });
        await atomicWriteJson(this.#file, { version: 1, entries }, { durable: false });
      })
      .catch(() => undefined);
    return this.#saving;
  }
}

const indexes = new Map<string, WorkspaceIndex>();

/** The one index of a workspace in this process. */
export function workspaceIndex(workspace: Workspace): WorkspaceIndex {
  let index = indexes.get(workspace.projectsDir);
  if (!index) indexes.set(workspace.projectsDir, (index = new WorkspaceIndex(workspace)));
  return index;
}
