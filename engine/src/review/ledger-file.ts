import { appendFile, mkdir, open, readFile, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LedgerEntry, migrateLedgerEntry } from '@studio/node-schemas';
import { CorruptProjectError } from '../projects/manifest-file.ts';
import { migrateFile } from '../projects/format-errors.ts';
import type { FileChange } from '../projects/repository/project-repository.ts';

/** The project's cost ledger (docs/governance.md#costs): one JSON line per charged task, appended, never rewritten. */
export const LEDGER_FILE = '04_Project_Files/Ledger/ledger.jsonl';

/**
 * The ledger's entries, oldest first. A last line without its newline is a write a crash cut short
 * (it was never committed): it is left out, and the next append cuts it off.
 */
export async function readLedger(projectDir: string): Promise<LedgerEntry[]> {
  const path = join(projectDir, LEDGER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  lines.pop(); // what follows the last newline: '' or a torn write
  return lines.map((line, i) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw new CorruptProjectError(`${LEDGER_FILE} line ${i + 1} is not JSON: ${(error as Error).message}`, { path, line: i + 1 });
    }
    const migrated = migrateFile(migrateLedgerEntry, raw, path, (message, data) => new CorruptProjectError(message, { ...data, line: i + 1 }));
    const parsed = LedgerEntry.safeParse(migrated);
    if (!parsed.success)
      throw new CorruptProjectError(
        `${LEDGER_FILE} line ${i + 1} is not a ledger entry: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        {
          path,
          line: i + 1,
        },
      );
    return parsed.data;
  });
}

/** Bytes up to and including the last newline (0 for a file with none); the file's size when it ends with one. */
async function wholeLinesLength(path: string): Promise<number | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) return start + at + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/**
 * The change that adds entries to the ledger, for a commit through the project repository: their
 * lines appended, or, after a crash tore the last line, the file's whole lines with them.
 */
export async function ledgerChange(projectDir: string, entries: readonly LedgerEntry[]): Promise<FileChange> {
  const lines = entries.map((entry) => JSON.stringify(LedgerEntry.parse(entry)) + '\n').join('');
  const path = join(projectDir, LEDGER_FILE);
  const whole = await wholeLinesLength(path);
  if (whole === null || whole === (await stat(path)).size) return { path: LEDGER_FILE, append: lines };
  return { path: LEDGER_FILE, content: Buffer.concat([(await readFile(path)).subarray(0, whole), Buffer.from(lines)]) };
}

/** Appends one entry as one line (after cutting off a torn last line). Call inside the project's git queue. */
export async function appendLedgerEntry(projectDir: string, entry: LedgerEntry): Promise<void> {
  const path = join(projectDir, LEDGER_FILE);
  await mkdir(dirname(path), { recursive: true });
  const whole = await wholeLinesLength(path);
  if (whole !== null) {
    if (whole < (await stat(path)).size) await truncate(path, whole);
  }
  await appendFile(path, JSON.stringify(LedgerEntry.parse(entry)) + '\n');
}
