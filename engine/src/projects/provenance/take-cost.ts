import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TakeCost } from '@studio/node-schemas';
import { openProjectFile } from '../open-project-file.ts';

/** The cost ledger's file (written by the ledger, read here only). */
export const LEDGER_FILE = '04_Project_Files/Ledger/ledger.jsonl';

/**
 * What the ledger charged for a task: the sum of its entries' credits, or null when the ledger is
 * absent or names the task nowhere. Read line by line; a line that is not JSON is skipped.
 */
export async function takeCost(projectDir: string, taskId: string | null): Promise<TakeCost | null> {
  if (!taskId) return null;
  const file = await openProjectFile(projectDir, LEDGER_FILE).catch(() => null);
  if (!file) return null;
  let credits = 0;
  let entries = 0;
  try {
    const lines = createInterface({ input: createReadStream('', { fd: file.handle.fd, autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.includes(taskId)) continue;
      try {
        const entry = JSON.parse(line) as { task_id?: unknown; credits?: unknown };
        if (entry.task_id !== taskId || typeof entry.credits !== 'number' || !Number.isFinite(entry.credits)) continue;
        credits += entry.credits;
        entries++;
      } catch {
        continue;
      }
    }
  } finally {
    await file.handle.close().catch(() => undefined);
  }
  return entries ? { credits: Math.round(credits * 1e6) / 1e6, entries } : null;
}
