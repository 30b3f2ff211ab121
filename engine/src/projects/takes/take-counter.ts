import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson } from '../atomic-write.ts';

/** Per subject: the last take number given out (never given out again), the version and what it was made from. */
export interface SubjectCounter {
  lastTake: number;
  version: number;
  fingerprint: string;
}

export type TakeCounters = Record<string, SubjectCounter>;

/** takes.json in a render folder, committed with every take so numbers are never reused. */
export const COUNTER_FILE = 'takes.json';

export async function readCounters(folderAbs: string): Promise<TakeCounters> {
  try {
    return JSON.parse(await readFile(join(folderAbs, COUNTER_FILE), 'utf8')) as TakeCounters;
  } catch {
    return {};
  }
}

export async function writeCounters(folderAbs: string, counters: TakeCounters): Promise<void> {
  // Not fsynced: like the take files themselves, it is made durable by its commit.
  await atomicWriteJson(join(folderAbs, COUNTER_FILE), counters, { durable: false });
}

/**
 * The next take of a subject: a fresh number, and the version, which goes up when what the take is
 * made from (prompt, pipeline, parameters) changed since the last take. Mutates `counters`.
 */
export function allocateTake(counters: TakeCounters, subject: string, fingerprint: string, highestOnDisk: number): { version: number; take: number } {
  const current = counters[subject];
  const take = Math.max(current?.lastTake ?? 0, highestOnDisk) + 1;
  const version = !current ? 1 : current.fingerprint === fingerprint ? current.version : current.version + 1;
  counters[subject] = { lastTake: take, version, fingerprint };
  return { version, take };
}
