import { readLog, type LogEntry } from './git.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

export async function projectHistory({
  workspace,
  id,
  limit = 100,
  skip = 0,
}: {
  workspace: Workspace;
  id: string;
  limit?: number;
  skip?: number;
}): Promise<LogEntry[]> {
  const dir = await existingProjectPath(workspace, id);
  return readLog(dir, { limit: Math.min(Math.max(1, limit), 1000), skip: Math.max(0, skip) });
}
