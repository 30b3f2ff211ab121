import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkspaceLockedError } from '../errors.ts';
import type { Workspace } from './workspace.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One engine per workspace: a second one would break the single-writer rule. A lock whose
 * process is gone (killed) is taken over.
 */
export async function lockWorkspace(ws: Workspace): Promise<() => Promise<void>> {
  const path = join(ws.home, '.engine.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new WorkspaceLockedError(`another engine (pid ${pid}) is using the workspace ${ws.home}`, { pid });
      await rm(path, { force: true });
    }
  }
  throw new WorkspaceLockedError(`cannot lock the workspace ${ws.home}`);
}
