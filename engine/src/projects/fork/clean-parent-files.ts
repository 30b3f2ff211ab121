import { runGit } from '../git.ts';
import { RENDERS_DIR } from '../layout.ts';

/** Folders whose files are written once and never changed in place (takes, sidecars, imported media). */
const IMMUTABLE_FOLDERS = [`${RENDERS_DIR}/`, '01_Assets/'];

/**
 * Paths of the parent's working tree that hold exactly a given blob: files under the immutable
 * folders whose index entry has that blob and that git does not list as changed. The index is
 * refreshed first (it reads only files whose stat data moved: a link made by an earlier fork
 * changes the file's ctime). A fork links these instead of writing its own copy; the engine only
 * ever replaces a file by renaming a new one over it, so a link never sees the other project's
 * later change. Runs in the parent's git queue (the refresh writes its index).
 */
export async function cleanParentFiles(parentDir: string): Promise<Map<string, string>> {
  await runGit(parentDir, ['update-index', '-q', '--refresh']).catch(() => undefined);
  const [staged, changed] = await Promise.all([
    runGit(parentDir, ['ls-files', '-s', '-z', '--', ...IMMUTABLE_FOLDERS]),
    runGit(parentDir, ['diff-files', '--name-only', '-z', '--', ...IMMUTABLE_FOLDERS]),
  ]);
  const dirty = new Set(changed.split('\0').filter(Boolean));
  const clean = new Map<string, string>();
  for (const record of staged.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, blob, stage] = record.slice(0, tab).split(' ') as [string, string, string];
    const path = record.slice(tab + 1);
    if (stage === '0' && mode.startsWith('100') && !dirty.has(path)) clean.set(path, blob);
  }
  return clean;
}
