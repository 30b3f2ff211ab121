import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RENDERS_DIR } from '../layout.ts';
import { ensureThumbnail } from './thumbnail.ts';

const TAKE_FILE = /_v\d+_take\d+\.(png|jpe?g|webp|mp4|mov|webm)$/i;

/** The newest image or video take of a project, as a thumbnail path (for the dashboard), or null. */
export async function latestTakeThumbnail(projectDir: string): Promise<string | null> {
  let newest: { path: string; mtime: number } | null = null;
  const walk = async (rel: string, depth: number): Promise<void> => {
    for (const entry of await readdir(join(projectDir, rel), { withFileTypes: true }).catch(() => [])) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory() && depth < 4) await walk(child, depth + 1);
      else if (entry.isFile() && TAKE_FILE.test(entry.name)) {
        const { mtimeMs } = await stat(join(projectDir, child));
        if (!newest || mtimeMs > newest.mtime) newest = { path: child, mtime: mtimeMs };
      }
    }
  };
  await walk(RENDERS_DIR, 0);
  const found = newest as { path: string; mtime: number } | null;
  return found ? ensureThumbnail(projectDir, found.path).catch(() => null) : null;
}
