import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CACHE_DIR } from '../layout.ts';

const VIDEO = /\.(mp4|mov|webm|mkv|m4v)$/i;
const IMAGE = /\.(png|jpe?g|webp)$/i;

/** Where a take's thumbnail is cached (05_Cache is never committed: it can be made again). */
export function thumbnailPath(takePath: string): string {
  return `${CACHE_DIR}/thumbnails/${takePath.replace(/\.[^.]+$/, '')}.jpg`;
}

/**
 * A thumbnail for a take: the image itself, or a frame of a video (made once with ffmpeg); null for
 * audio. Returns a project-relative path.
 */
export async function ensureThumbnail(projectDir: string, takePath: string): Promise<string | null> {
  if (IMAGE.test(takePath)) return takePath;
  if (!VIDEO.test(takePath)) return null;
  const rel = thumbnailPath(takePath);
  const abs = join(projectDir, rel);
  if (
    await stat(abs).then(
      () => true,
      () => false,
    )
  )
    return rel;
  await mkdir(dirname(abs), { recursive: true });
  const ok = await new Promise<boolean>((resolve) =>
    execFile(
      'ffmpeg',
      ['-v', 'error', '-y', '-ss', '0.5', '-i', join(projectDir, takePath), '-frames:v', '1', '-vf', 'scale=480:-2', abs],
      { timeout: 20_000 },
      (error) => resolve(!error),
    ),
  );
  return ok ? rel : null;
}
