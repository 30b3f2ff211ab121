import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { commitPaths } from '../projects/git.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { writeThumbnail } from './image-probe.ts';
import type { ProbedMedia } from './media-probe.ts';

export const SOURCE_MEDIA_DIR = '01_Assets/Source_Media';
export const THUMBNAILS_DIR = '05_Cache/thumbnails';

/** A file name from the client's name: ASCII letters, digits, - and _, never a path. */
export function safeStem(name: string): string {
  const stem = name
    .replace(/\.[^.]*$/, '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, 60);
  return stem || 'media';
}

function videoPoster(source: string, target: string): Promise<void> {
  return new Promise((resolve) =>
    execFile('ffmpeg', ['-v', 'error', '-y', '-ss', '0', '-i', source, '-frames:v', '1', '-vf', 'scale=320:-2', target], { timeout: 60_000 }, () => resolve()),
  );
}

/**
 * Puts a checked upload into the project: `01_Assets/Source_Media/<name>_<sha12>.<ext>`, committed
 * through LFS with a readable message, and a poster in 05_Cache/thumbnails. The same bytes again
 * return the file already there.
 */
export async function importMedia({
  projectId,
  projectDir,
  queue,
  temp,
  originalName,
  probe,
}: {
  projectId: string;
  projectDir: string;
  queue: GitQueue;
  temp: string;
  originalName: string;
  probe: ProbedMedia;
}) {
  return queue.run(projectId, async () => {
    const dir = join(projectDir, SOURCE_MEDIA_DIR);
    await mkdir(dir, { recursive: true });
    const tag = probe.sha256.slice(0, 12);
    const existing = (await readdir(dir)).find((f) => f.includes(`_${tag}.`));
    const thumb = `${THUMBNAILS_DIR}/${tag}.${probe.kind === 'video' ? 'jpg' : 'webp'}`;
    if (existing) {
      await rm(temp, { force: true });
      return { path: `${SOURCE_MEDIA_DIR}/${existing}`, thumbnail: probe.kind === 'audio' ? null : thumb, deduplicated: true };
    }
    const file = `${safeStem(originalName)}_${tag}.${probe.ext}`;
    const rel = `${SOURCE_MEDIA_DIR}/${file}`;
    await rename(temp, join(projectDir, rel));
    try {
      await mkdir(join(projectDir, THUMBNAILS_DIR), { recursive: true });
      if (probe.kind === 'image') await writeThumbnail(join(projectDir, rel), join(projectDir, thumb));
      if (probe.kind === 'video') await videoPoster(join(projectDir, rel), join(projectDir, thumb));
      const what =
        probe.kind === 'audio'
          ? `${probe.codec} audio, ${probe.duration?.toFixed(1)} s`
          : probe.kind === 'video'
            ? `${probe.width}x${probe.height} ${probe.codec}, ${probe.duration?.toFixed(1)} s at ${probe.fps} fps`
            : `${probe.width}x${probe.height}`;
      await commitPaths(projectDir, `Imported ${probe.kind} ${file} (${what})`, [rel]);
    } catch (error) {
      await rm(join(projectDir, rel), { force: true });
      throw error;
    }
    return { path: rel, thumbnail: probe.kind === 'audio' ? null : thumb, deduplicated: false };
  });
}
