import { execFile } from 'node:child_process';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CACHE_DIR } from '../layout.ts';

const VIDEO = /\.(mp4|mov|webm|mkv|m4v)$/i;
const IMAGE = /\.(png|jpe?g|webp)$/i;
/** ffmpeg runs at most this many thumbnails at once: opening a list of fifty takes must not start fifty. */
const AT_ONCE = 2;

/** Where a take's thumbnail is cached (05_Cache is never committed: it can be made again). */
export function thumbnailPath(takePath: string): string {
  return `${CACHE_DIR}/thumbnails/${takePath.replace(/\.[^.]+$/, '')}.jpg`;
}

const exists = (abs: string) =>
  stat(abs).then(
    () => true,
    () => false,
  );

let running = 0;
const waiting: Array<() => void> = [];
/** Thumbnails being made now, by file: two requests for one take share one ffmpeg run. */
const making = new Map<string, Promise<boolean>>();

async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** One frame of a picture or video, 480 wide, as a JPEG: written beside and renamed, so a reader never sees half a file. */
function makeFrame(source: string, target: string, seek: boolean): Promise<boolean> {
  const partial = `${target}.${process.pid}.part.jpg`;
  return slot(
    () =>
      new Promise<boolean>((resolve) =>
        execFile(
          'ffmpeg',
          ['-v', 'error', '-y', ...(seek ? ['-ss', '0.5'] : []), '-i', source, '-frames:v', '1', '-vf', 'scale=480:-2', partial],
          { timeout: 20_000 },
          (error) => resolve(!error),
        ),
      ),
  ).then(async (ok) => {
    if (ok)
      return rename(partial, target).then(
        () => true,
        () => false,
      );
    await unlink(partial).catch(() => undefined);
    return false;
  });
}

/**
 * A thumbnail for a take: a frame of a video (made once with ffmpeg); for an image, the image
 * itself, or with `scaleImages` a small copy (a list of takes need not load full-size pictures);
 * null for audio. Returns a project-relative path.
 */
export async function ensureThumbnail(projectDir: string, takePath: string, { scaleImages = false }: { scaleImages?: boolean } = {}): Promise<string | null> {
  const image = IMAGE.test(takePath);
  if (image && !scaleImages) return takePath;
  if (!image && !VIDEO.test(takePath)) return null;
  const rel = thumbnailPath(takePath);
  const abs = join(projectDir, rel);
  if (await exists(abs)) return rel;
  let made = making.get(abs);
  if (!made) {
    made = mkdir(dirname(abs), { recursive: true }).then(() => makeFrame(join(projectDir, takePath), abs, !image));
    making.set(abs, made);
    void made.finally(() => making.delete(abs));
  }
  if (await made) return rel;
  // An image ffmpeg cannot read is still its own thumbnail.
  return image ? takePath : null;
}
