import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_FILE } from '../layout.ts';
import { headRefPath } from './repository-head.ts';

/** What in a repository's .git folder can move HEAD: HEAD itself and the packed refs (a symbolic ref's target is watched in its own folder). */
const HEAD_FILES = new Set(['HEAD', 'packed-refs', 'refs']);

/**
 * Tells the workspace index which projects may have changed on disk, so a list need not look at
 * every repository on every request. Per project it watches the folder (project.json, a replaced
 * .git), the .git folder (HEAD, packed-refs) and the folder of the ref HEAD points at; the projects
 * folder is watched for projects that come and go. inotify queues an event when the change is
 * made, so after `delivered()` every change finished before the call has been heard.
 *
 * A project that cannot be watched (the watch limit, a folder that is half made) is reported as not
 * watched and the index checks it on every list, as it did before there were watches.
 */
export class ChangeWatch {
  readonly #projects = new Map<string, FSWatcher[]>();
  #root: FSWatcher | null = null;
  #closed = false;

  constructor(
    private readonly projectsDir: string,
    private readonly on: { listChanged: (name: string | null) => void; projectChanged: (id: string) => void },
  ) {}

  /** Watches the projects folder; false when it cannot be watched (then every list reads it). */
  start(): boolean {
    if (this.#root) return true;
    if (this.#closed) return false;
    const watcher = this.#watch(
      this.projectsDir,
      (name) => this.on.listChanged(name),
      () => {
        this.#root = null;
        this.on.listChanged(null);
      },
    );
    this.#root = watcher;
    return watcher !== null;
  }

  /** Watches one project (again, after a change that may have replaced a folder); false when it cannot be. */
  watchProject(id: string): boolean {
    this.unwatchProject(id);
    if (this.#closed) return false;
    const dir = join(this.projectsDir, id);
    const gitDir = join(dir, '.git');
    const changed = () => this.on.projectChanged(id);
    const lost = () => {
      this.unwatchProject(id);
      changed();
    };
    const watchers: FSWatcher[] = [];
    const add = (path: string, relevant: (name: string | null) => boolean) => {
      const watcher = this.#watch(path, (name) => relevant(name) && (name === basename(path) ? lost() : changed()), lost);
      if (watcher) watchers.push(watcher);
      return watcher !== null;
    };
    const ref = headRefPath(dir);
    const ok =
      add(dir, (name) => name === null || name === MANIFEST_FILE || name === '.git' || name === id) &&
      add(gitDir, (name) => name === null || HEAD_FILES.has(name) || name === '.git') &&
      (ref === null || add(dirname(join(gitDir, ref)), (name) => name === null || name === basename(ref) || name === basename(dirname(ref))));
    if (!ok) {
      for (const watcher of watchers) watcher.close();
      return false;
    }
    this.#projects.set(id, watchers);
    return true;
  }

  unwatchProject(id: string): void {
    for (const watcher of this.#projects.get(id) ?? []) watcher.close();
    this.#projects.delete(id);
  }

  watching(id: string): boolean {
    return this.#projects.has(id);
  }

  close(): void {
    this.#closed = true;
    this.#root?.close();
    this.#root = null;
    for (const id of [...this.#projects.keys()]) this.unwatchProject(id);
  }

  #watch(path: string, onEvent: (name: string | null) => void, onError: () => void): FSWatcher | null {
    try {
      // Not persistent: a watch never keeps the engine (or a test) alive.
      const watcher = watch(path, { persistent: false }, (_event, name) => onEvent(name === null ? null : String(name)));
      watcher.on('error', () => {
        watcher.close();
        onError();
      });
      return watcher;
    } catch {
      return null;
    }
  }
}

/**
 * Resolves once every change made before the call has been heard. Two turns of the event loop: an
 * immediate queued in one check phase runs in the next, after a poll phase that reads inotify's
 * queue.
 */
export async function changesDelivered(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
