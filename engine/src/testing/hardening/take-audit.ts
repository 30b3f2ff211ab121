import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TakeAudit {
  /** Task id -> the take files whose sidecar names it. */
  byTask: Map<string, string[]>;
  /** Take files with no sidecar beside them. */
  withoutProvenance: string[];
  /** Sidecars whose take file is missing. */
  sidecarsWithoutTake: string[];
}

/** What a render folder holds, read from disk: which task made which take, and what is missing. */
export async function auditTakes(projectDir: string, folder: string): Promise<TakeAudit> {
  const files = await readdir(join(projectDir, folder)).catch(() => [] as string[]);
  const media = new Set(files.filter((f) => /_take\d+\.[a-z0-9]+$/.test(f) && !f.endsWith('.json')));
  const byTask = new Map<string, string[]>();
  const sidecarsWithoutTake: string[] = [];
  const covered = new Set<string>();
  for (const f of files.filter((f) => f.endsWith('.json') && f !== 'takes.json' && !f.startsWith('.'))) {
    const sidecar = JSON.parse(await readFile(join(projectDir, folder, f), 'utf8')) as { task_id: string; take: string };
    const file = sidecar.take.split('/').pop()!;
    if (!media.has(file)) {
      sidecarsWithoutTake.push(f);
      continue;
    }
    covered.add(file);
    byTask.set(sidecar.task_id, [...(byTask.get(sidecar.task_id) ?? []), file]);
  }
  return { byTask, withoutProvenance: [...media].filter((f) => !covered.has(f)), sidecarsWithoutTake };
}

/** `git fsck` errors (dangling objects are not errors); empty when the repository is sound. */
export function fsckErrors(projectDir: string): string {
  try {
    return execFileSync('git', ['fsck', '--no-dangling', '--no-progress'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
}

/** Whether a project-relative path is in the HEAD commit. */
export function committed(projectDir: string, path: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', `HEAD:${path}`], { cwd: projectDir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
