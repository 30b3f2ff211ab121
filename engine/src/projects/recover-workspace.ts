import { readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GitQueue } from './git-queue.ts';
import { recoverProject, type RecoveryReport } from './recover-project.ts';
import { listProjectIds, projectPath, type Workspace } from './workspace.ts';

/** Written by a graceful stop once nothing of the engine's is running on any repository; taken by the next start. */
const cleanStopFile = (ws: Workspace) => join(ws.home, '.index', 'clean-stop');

/**
 * Says that the engine stopped with every project recovered and no git operation of its own
 * running: the next start need not recover anything. Call it last, after the queue is idle.
 */
export async function markCleanStop(ws: Workspace): Promise<void> {
  await mkdir(dirname(cleanStopFile(ws)), { recursive: true });
  await writeFile(cleanStopFile(ws), `${new Date().toISOString()} pid ${process.pid}\n`);
}

/** Whether the last stop was clean; removes the mark, so a crash of this run is recovered from at the next start. */
function takeCleanStop(ws: Workspace): boolean {
  try {
    unlinkSync(cleanStopFile(ws));
    return true;
  } catch {
    return false;
  }
}

/** Empty folders are slugs reserved by a creation that never finished: they are released. */
export async function releaseUnfinishedFolders(ws: Workspace): Promise<string[]> {
  const lines: string[] = [];
  // Sync: one failing rmdir per project folder, 500 of them in a few milliseconds (not one thread-pool round trip each).
  for (const entry of readdirSync(ws.projectsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      rmdirSync(join(ws.projectsDir, entry.name));
      lines.push(`released unfinished project folder ${entry.name}`);
    } catch {
      // not empty: a project, or one being recovered
    }
  }
  return lines;
}

function describe(id: string, report: RecoveryReport): string[] {
  const lines: string[] = [];
  if (report.removedLocks.length) lines.push(`project ${id}: removed stale git locks ${report.removedLocks.map((l) => l.slice(l.indexOf('.git'))).join(', ')}`);
  if (report.removedTempFiles.length) lines.push(`project ${id}: removed ${report.removedTempFiles.length} half-written temporary files`);
  if (report.recoveredCommit) lines.push(`project ${id}: committed changes left uncommitted (${report.recoveredCommit.slice(0, 8)})`);
  return lines;
}

/**
 * Start-up recovery of every project, in the background: each project's recovery is queued as the
 * first operation of its git queue before this resolves, so nothing else touches a project before
 * it is recovered, and a project someone opens is recovered at once, ahead of the others. The
 * engine answers meanwhile. `log` hears each project's lines as soon as it is done; `done`
 * resolves with them all.
 *
 * After a clean stop (markCleanStop) there is nothing to recover: no lock or half-written file of
 * the engine's can be left, and the 500 `git status` runs a recovery of 500 projects costs are
 * skipped.
 */
export async function recoverWorkspace(
  ws: Workspace,
  queue: GitQueue,
  log: (line: string) => void = () => undefined,
): Promise<{ done: Promise<string[]>; projects: number; afterCleanStop: boolean }> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  const clean = takeCleanStop(ws);
  for (const line of await releaseUnfinishedFolders(ws)) say(line);
  if (clean) return { done: Promise.resolve(lines), projects: 0, afterCleanStop: true };
  const ids = await listProjectIds(ws);
  const recoveries = ids.map((id) =>
    queue.runInBackground(id, async () => {
      try {
        for (const line of describe(id, await recoverProject(projectPath(ws, id)))) say(line);
      } catch (error) {
        say(`project ${id}: recovery failed: ${(error as Error).message}`);
      }
    }),
  );
  return { done: Promise.all(recoveries).then(() => lines), projects: ids.length, afterCleanStop: false };
}
