import { randomBytes } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_SUFFIX } from './atomic-write.ts';

/**
 * Creates `path` with `content` only if no file of that name exists (false when one does). The
 * content appears whole or not at all: it is written to a temporary file and linked into place,
 * and link never replaces. A crash leaves at most a temporary file, which recovery deletes.
 */
export async function createNewFile(path: string, content: string): Promise<boolean> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  await writeFile(temp, content, { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}
