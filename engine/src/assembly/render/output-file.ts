import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** A hidden name beside the output, so a half-written file never carries the final name. */
export function partialPath(outputPath: string): string {
  const name = basename(outputPath, extname(outputPath));
  return join(dirname(outputPath), `.${name}.${randomBytes(4).toString('hex')}.partial.mp4`);
}

/** Runs `write` against a temporary path and renames it into place; on any failure or abort nothing is left. */
export async function writeAtomically<T>(outputPath: string, write: (partial: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(outputPath), { recursive: true });
  const partial = partialPath(outputPath);
  try {
    const result = await write(partial);
    await rename(partial, outputPath);
    return result;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
