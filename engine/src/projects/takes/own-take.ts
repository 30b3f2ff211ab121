import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrateTakeSidecar } from '@studio/node-schemas';
import { COUNTER_FILE } from './take-counter.ts';
import type { TakeSubject } from './take-subject.ts';

/** A take a task already placed (found by its provenance sidecar). */
export interface OwnTake {
  /** Project-relative paths. */
  path: string;
  sidecar: string;
  version: number;
  take: number;
}

/** The takes of one folder by the task that made them, read from the sidecars' `task_id`. */
async function scanFolder(projectDir: string, subject: TakeSubject): Promise<Map<string, OwnTake>> {
  const byTask = new Map<string, OwnTake>();
  const folder = join(projectDir, subject.folder);
  const files = await readdir(folder).catch(() => [] as string[]);
  for (const file of files) {
    if (!file.endsWith('.json') || file === COUNTER_FILE || !file.startsWith(`${subject.name}_v`)) continue;
    let sidecar: { task_id?: unknown; take?: unknown; version?: unknown; number?: unknown };
    try {
      sidecar = migrateTakeSidecar(JSON.parse(await readFile(join(folder, file), 'utf8')));
    } catch {
      continue; // unreadable, or from a newer studio: not a take this process placed
    }
    if (typeof sidecar.task_id !== 'string' || typeof sidecar.take !== 'string' || !sidecar.take.startsWith(`${subject.folder}/`)) continue;
    byTask.set(sidecar.task_id, { path: sidecar.take, sidecar: `${subject.folder}/${file}`, version: Number(sidecar.version), take: Number(sidecar.number) });
  }
  return byTask;
}

/**
 * Which task made which take, per subject folder: a job retried after a crash finds its own
 * finished (or half-placed) work instead of making a second take. A folder is read once per
 * process (the committer is its only writer), then kept up to date as takes are placed.
 */
export class OwnTakeIndex {
  readonly #folders = new Map<string, Promise<Map<string, OwnTake>>>();

  #folder(projectDir: string, subject: TakeSubject): Promise<Map<string, OwnTake>> {
    const key = join(projectDir, subject.folder, subject.name);
    let folder = this.#folders.get(key);
    if (!folder) {
      folder = scanFolder(projectDir, subject);
      this.#folders.set(key, folder);
      folder.catch(() => this.#folders.delete(key));
    }
    return folder;
  }

  async find(projectDir: string, subject: TakeSubject, taskId: string): Promise<OwnTake | null> {
    return (await this.#folder(projectDir, subject)).get(taskId) ?? null;
  }

  async remember(projectDir: string, subject: TakeSubject, taskId: string, take: OwnTake): Promise<void> {
    (await this.#folder(projectDir, subject)).set(taskId, take);
  }

  async forget(projectDir: string, subject: TakeSubject, taskId: string): Promise<void> {
    (await this.#folder(projectDir, subject)).delete(taskId);
  }
}
