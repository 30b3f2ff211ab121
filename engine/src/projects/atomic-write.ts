import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Suffix of temporary files; templates/.gitignore ignores it and recovery deletes leftovers. */
export const TEMP_SUFFIX = '.studio-tmp';

/**
 * Writes a file so a reader (or a crash) sees the old content or the new, never half of either:
 * write a temporary file beside it, fsync (unless `durable` is false), rename over.
 */
export async function atomicWriteFile(path: string, content: string | Uint8Array, { durable = true }: { durable?: boolean } = {}): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(content);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function atomicWriteJson(path: string, value: unknown, options: { durable?: boolean } = {}): Promise<void> {
  await atomicWriteFile(path, JSON.stringify(value, null, 2) + '\n', options);
}
