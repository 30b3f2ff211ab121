import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverProject } from './recover-project.ts';
import { listProjectIds, projectPath, type Workspace } from './workspace.ts';

/**
 * Start-up recovery of every project; returns what it did, in words. Empty folders are slugs
 * reserved by a creation that never finished: they are released.
 */
export async function recoverWorkspace(ws: Workspace): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir(ws.projectsDir, { withFileTypes: true })) {
    if (entry.isDirectory()) await rmdir(join(ws.projectsDir, entry.name)).then(() => lines.push(`released unfinished project folder ${entry.name}`), () => undefined);
  }
  for (const id of await listProjectIds(ws)) {
    const report = await recoverProject(projectPath(ws, id)).catch((error: Error) => {
      lines.push(`project ${id}: recovery failed: ${error.message}`);
      return null;
    });
    if (!report) continue;
    if (report.removedLocks.length) lines.push(`project ${id}: removed stale git locks ${report.removedLocks.map((l) => l.slice(l.indexOf('.git'))).join(', ')}`);
    if (report.removedTempFiles.length) lines.push(`project ${id}: removed ${report.removedTempFiles.length} half-written temporary files`);
    if (report.recoveredCommit) lines.push(`project ${id}: committed changes left uncommitted (${report.recoveredCommit.slice(0, 8)})`);
  }
  return lines;
}
