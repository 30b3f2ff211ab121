import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EVENT_FORMAT, StudioEvent, migrateEvent } from '@studio/node-schemas';
import { CorruptProjectError } from '../projects/manifest-file.ts';
import { migrateFile } from '../projects/format-errors.ts';
import { runGit } from '../projects/git.ts';
import { EVENTS_FILE } from './review-paths.ts';

/** An event before the log numbers it. */
export type NewEvent = Omit<StudioEvent, 'format' | 'seq'>;

function parseLines(text: string, path: string): StudioEvent[] {
  const events: StudioEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const corrupt = (message: string) => new CorruptProjectError(`${EVENTS_FILE} line ${i + 1}: ${message}`, { path, line: i + 1 });
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      // A line cut short by a crash mid-append is the last one: what was before it stands.
      if (i >= lines.length - 2) break;
      throw corrupt((error as Error).message);
    }
    const parsed = StudioEvent.safeParse(migrateFile(migrateEvent, raw, path, (message) => corrupt(message)));
    if (!parsed.success) throw corrupt(parsed.error.issues[0]?.message ?? 'invalid event');
    events.push(parsed.data);
  }
  return events;
}

/** Every event of a project's log, oldest first (an absent log is empty). */
export async function readEvents(projectDir: string): Promise<StudioEvent[]> {
  const path = join(projectDir, EVENTS_FILE);
  try {
    return parseLines(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * A project's append-only event log, `04_Project_Files/Review/events.jsonl`: one JSON object per
 * line, numbered by `seq`. Appends happen inside the project's git queue (review actions, the canvas
 * persist hook, render events), so they never interleave; the caller commits the file.
 */
export class EventLog {
  #lastSeq: number;
  /** The server clock of the last canvas change the log can replay (0: none yet). */
  lastReplayClock: number;

  private constructor(
    readonly projectDir: string,
    events: readonly StudioEvent[],
  ) {
    this.#lastSeq = events.at(-1)?.seq ?? 0;
    this.lastReplayClock = 0;
    for (let i = events.length - 1; i >= 0; i--)
      if (events[i]!.replay) {
        this.lastReplayClock = events[i]!.replay!.clock;
        break;
      }
  }

  /** Why the log on disk cannot be read (a corrupt line, a newer format): nothing is appended to it then. */
  broken: Error | null = null;

  /**
   * Opened synchronously, as a room loads, so the first edit already knows where the log stands. A log
   * that cannot be read does not stop the project opening: it is left as it is, for a person to mend.
   */
  static open(projectDir: string): EventLog {
    const path = join(projectDir, EVENTS_FILE);
    try {
      return new EventLog(projectDir, existsSync(path) ? parseLines(readFileSync(path, 'utf8'), path) : []);
    } catch (error) {
      const log = new EventLog(projectDir, []);
      log.broken = error as Error;
      return log;
    }
  }

  get path(): string {
    return join(this.projectDir, EVENTS_FILE);
  }

  /**
   * Events numbered in order and the lines they append, for a commit that appends them itself
   * (`append:` through the project repository). `settle(false)` gives the numbers back when that
   * commit failed.
   */
  number(events: readonly NewEvent[]): { events: StudioEvent[]; text: string; settle: (committed: boolean) => void } {
    if (this.broken) throw this.broken;
    const before = this.#lastSeq;
    const numbered = events.map((event): StudioEvent => ({ format: EVENT_FORMAT, seq: ++this.#lastSeq, ...event }));
    return {
      events: numbered,
      text: numbered.map((e) => JSON.stringify(e)).join('\n') + '\n',
      settle: (committed) => {
        if (!committed && this.#lastSeq === before + numbered.length) this.#lastSeq = before;
      },
    };
  }

  /** Appends events (numbered in order) and stages the log, so a commit of tracked paths takes it. */
  async append(events: readonly NewEvent[]): Promise<StudioEvent[]> {
    if (!events.length) return [];
    if (this.broken) throw this.broken;
    const numbered = events.map((event): StudioEvent => ({ format: EVENT_FORMAT, seq: ++this.#lastSeq, ...event }));
    const created = !existsSync(this.path);
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, numbered.map((e) => JSON.stringify(e)).join('\n') + '\n');
    if (created) await runGit(this.projectDir, ['add', '--', EVENTS_FILE]);
    return numbered;
  }
}
