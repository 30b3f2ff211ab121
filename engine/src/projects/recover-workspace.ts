import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitQueue } from './git-queue.ts';
import { recoverProject, type RecoveryReport } from './recover-project.ts';
import { listProjectIds, projectPath, type Workspace } from './workspace.ts';

/** Empty folders are slugs reserved by a creation that never finished: they are released. */
export async function releaseUnfinishedFolders(ws: Workspace): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir(ws.projectsDir, { withFileTypes: true })) {
    if (entry.isDirectory())
      await rmdir(join(ws.projectsDir, entry.name)).then(
        () => lines.push(`released unfinished project folder ${entry.name}`),
        () => undefined,
      );
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
 */
export async function recoverWorkspace(ws: Workspace, queue: GitQueue, log: (line: string) => void = () => undefined): Promise<{ done: Promise<string[]> }> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  for (const line of await releaseUnfinishedFolders(ws)) say(line);
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
  return { done: Promise.all(recoveries).then(() => lines) };
}
