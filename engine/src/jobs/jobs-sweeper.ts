import { hostname } from 'node:os';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { parseAttemptFolderName } from './attempt-folder.ts';

/** Generation task ids (and so their job folders) all start so. */
const GENERATION_PREFIX = 'gen-';

/** Job states in which a job may still run (and use its folder). */
const LIVE = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export interface SweepResult {
  /** Job folders removed whole: their job is over and its take placed (or never coming). */
  folders: number;
  /** Attempt folders removed: their worker died (SIGKILL skips every cleanup) or their job is over. */
  attempts: number;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans the workspace's `.jobs` folder of what crashed or finished jobs left: `.jobs/<id>` goes
 * once neither the generation nor its take job can still need it (a failed take job keeps its
 * output, for a retry); an attempt folder goes once its job is over or its worker (on this host) is dead.
 */
export async function sweepJobsDir({
  dir,
  generate,
  takes,
  host = hostname(),
  isAlive = processAlive,
}: {
  dir: string;
  /** Where a generation job's state is read (every generation queue: CPU and GPU). */
  generate: Pick<Queue, 'getJobState'>;
  takes: Queue;
  host?: string;
  isAlive?: (pid: number) => boolean;
}): Promise<SweepResult> {
  const result: SweepResult = { folders: 0, attempts: 0 };
  const ids = await readdir(dir).catch(() => [] as string[]);
  // Only generation jobs' folders: others (LoRA training's train-*) keep state this sweep knows nothing of.
  for (const id of ids.filter((name) => name.startsWith(GENERATION_PREFIX))) {
    const [genState, takeState] = await Promise.all([generate.getJobState(id), takes.getJobState(`take-${id}`)]);
    const genLive = LIVE.has(genState);
    const takeNeedsOutput = LIVE.has(takeState) || takeState === 'failed';
    const folder = join(dir, id);
    if (!genLive && !takeNeedsOutput) {
      await rm(folder, { recursive: true, force: true });
      result.folders++;
      continue;
    }
    for (const entry of await readdir(folder).catch(() => [] as string[])) {
      const attempt = parseAttemptFolderName(entry);
      if (!attempt) continue;
      const ownerDead = (attempt.host === null || attempt.host === host) && !isAlive(attempt.pid);
      if (genLive && !ownerDead) continue;
      await rm(join(folder, entry), { recursive: true, force: true });
      result.attempts++;
    }
  }
  return result;
}
