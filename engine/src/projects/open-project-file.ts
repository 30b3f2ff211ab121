import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface OpenedProjectFile {
  handle: FileHandle;
  size: number;
  /** The file's absolute path (no symlink anywhere in it below the project). */
  path: string;
}

/**
 * Opens a regular file at a project-relative path for reading, or answers null. A path through a
 * symlink is refused (a cloned project may hold `03_Renders/x -> ../.git/config`): the file must
 * really be where its path says, and the last step is opened with O_NOFOLLOW so a link swapped in
 * after the check is not followed either. `rel` must already be a checked ProjectRelativePath.
 */
export async function openProjectFile(projectDir: string, rel: string): Promise<OpenedProjectFile | null> {
  // The project folder itself may not be a link either; the folders above it may (/tmp on macOS).
  const root = join(await realpath(dirname(projectDir)), basename(projectDir));
  if ((await realpath(root).catch(() => null)) !== root) return null;
  const lexical = join(root, rel);
  const real = await realpath(lexical).catch(() => null);
  if (real !== lexical) return null;
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  const info = await handle.stat().catch(() => null);
  if (!info?.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, size: info.size, path: real };
}

/** Whether a project-relative path names a regular file reached without following any link. */
export async function isPlainProjectFile(projectDir: string, rel: string): Promise<boolean> {
  const file = await openProjectFile(projectDir, rel).catch(() => null);
  if (!file) return false;
  await file.handle.close();
  return true;
}
