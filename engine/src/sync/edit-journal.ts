import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, GraphEditOp, ProjectManifest } from '@studio/node-schemas';

/**
 * A write-ahead journal of acknowledged changes not yet committed, so an edit the server has
 * acknowledged survives a SIGKILL before its debounced commit. It lives inside .git, where
 * nothing is committed and no tool looks. One JSON object per line; a torn last line is ignored.
 */
export type JournalEntry =
  | { c: number; e: GraphEditOp[] }
  | { c: number; g: Graph }
  | { c: number; m: Pick<ProjectManifest, 'title' | 'description' | 'project_settings'> & { budget?: number | null } };

export class EditJournal {
  readonly path: string;
  #fd: number;

  constructor(projectDir: string) {
    this.path = join(projectDir, '.git', 'studio-journal.jsonl');
    this.#fd = openSync(this.path, 'a');
  }

  /** Appended with a plain write(2): in the kernel's hands once it returns, so a killed process loses nothing. */
  append(entry: JournalEntry): void {
    writeSync(this.#fd, JSON.stringify(entry) + '\n');
  }

  /** Replaces the journal with `entries` (those newer than the last commit). */
  rewrite(entries: JournalEntry[]): void {
    ftruncateSync(this.#fd, 0);
    if (entries.length) writeSync(this.#fd, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  close(): void {
    closeSync(this.#fd);
  }

  static read(projectDir: string): JournalEntry[] {
    let text: string;
    try {
      text = readFileSync(join(projectDir, '.git', 'studio-journal.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const entries: JournalEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        break; // a line torn by a crash mid-write: nothing after it was acknowledged
      }
    }
    return entries;
  }
}
