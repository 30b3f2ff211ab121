import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '@studio/node-schemas';
import type { HeldRepository, ProjectRepository } from '../projects/repository/project-repository.ts';
import { writeThumbnail } from './image-probe.ts';
import { addToLfsStore, isLfsTracked } from './lfs-place.ts';
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

/** Where an upload with this hash already is in the project (by the hash in its name), or null. */
export async function existingMedia(projectDir: string, sha256: string): Promise<string | null> {
  const tag = sha256.slice(0, 12);
  const found = (await readdir(join(projectDir, SOURCE_MEDIA_DIR)).catch(() => [] as string[])).find((f) => f.includes(`_${tag}.`));
  return found ? `${SOURCE_MEDIA_DIR}/${found}` : null;
}

export const thumbnailPath = (probe: Pick<ProbedMedia, 'kind' | 'sha256'>) =>
  probe.kind === 'audio' ? null : `${THUMBNAILS_DIR}/${probe.sha256.slice(0, 12)}.${probe.kind === 'video' ? 'jpg' : 'webp'}`;

/**
 * A project made before the template sent this media type through LFS (MPEG-TS came late) gets the
 * type's lines added to its .gitattributes, committed on their own, so the upload still goes
 * through LFS rather than into git itself.
 */
async function trackMediaType(held: HeldRepository, projectDir: string, ext: string, actor: Actor | undefined) {
  // The extension comes from the bytes' type (media-probe.ts), never from the client: checked all the same, as it becomes a pattern.
  if (!/^[A-Za-z0-9]{1,8}$/.test(ext)) return;
  const current = await readFile(join(projectDir, '.gitattributes'), 'utf8').catch(() => '');
  const lines = [...new Set([ext.toLowerCase(), ext.toUpperCase()])].map((e) => `*.${e} filter=lfs diff=lfs merge=lfs -text`);
  const content = `${current}${current && !current.endsWith('\n') ? '\n' : ''}# Added by the media import: this project's attributes left .${ext} out of LFS.\n${lines.join('\n')}\n`;
  await held.commit({
    actor,
    message: `Git LFS tracks .${ext} files (for an imported ${ext.toUpperCase()} file)`,
    files: [{ path: '.gitattributes', content }],
  });
}

function describe(probe: ProbedMedia): string {
  if (probe.kind === 'audio') return `${probe.codec} audio, ${probe.duration?.toFixed(1)} s`;
  if (probe.kind === 'video') return `${probe.width}x${probe.height} ${probe.codec}, ${probe.duration?.toFixed(1)} s at ${probe.fps} fps`;
  return `${probe.width}x${probe.height}`;
}

/**
 * Puts a checked upload into the project: `01_Assets/Source_Media/<name>_<sha12>.<ext>`, committed
 * through LFS with a readable message, and its poster (made by the check, in `poster`) or an
 * image's thumbnail in 05_Cache/thumbnails. The same bytes again return the file already there.
 *
 * On the LFS path the upload's bytes become the LFS object itself and the working-tree file (hard
 * links, no copy), and its pointer is committed from the hash taken while it streamed in: nothing
 * reads the bytes again. The file must already be durable (fsynced) when this is called.
 */
export async function importMedia({
  repository,
  projectDir,
  temp,
  originalName,
  probe,
  poster,
  actor,
}: {
  repository: ProjectRepository;
  projectDir: string;
  temp: string;
  originalName: string;
  probe: ProbedMedia;
  /** A video's poster, made during its check; moved into 05_Cache/thumbnails. */
  poster: string | null;
  actor: Actor | undefined;
}) {
  return repository.exclusive(async (held) => {
    const thumb = thumbnailPath(probe);
    const existing = await existingMedia(projectDir, probe.sha256);
    if (existing) {
      await rm(temp, { force: true });
      return { path: existing, thumbnail: thumb, deduplicated: true };
    }
    const file = `${safeStem(originalName)}_${probe.sha256.slice(0, 12)}.${probe.ext}`;
    const rel = `${SOURCE_MEDIA_DIR}/${file}`;
    const message = `Imported ${probe.kind} ${file} (${describe(probe)})`;
    if (thumb) {
      await mkdir(join(projectDir, THUMBNAILS_DIR), { recursive: true });
      if (probe.kind === 'image') await writeThumbnail(temp, join(projectDir, thumb));
      else if (poster) await rename(poster, join(projectDir, thumb)).catch(() => undefined);
    }
    try {
      if (!(await isLfsTracked(projectDir, rel))) await trackMediaType(held, projectDir, probe.ext, actor);
      if (!(await isLfsTracked(projectDir, rel))) {
        // Still not an LFS path (an attribute further down unsets it): moved in and added like any file.
        await held.commit({ actor, message, files: [{ path: rel, from: temp }] });
      } else {
        const stored = await addToLfsStore({ projectDir, temp, oid: probe.sha256 });
        try {
          // The pointer is staged from the hash, with the file's stat data: nothing reads the bytes again.
          await held.commit({ actor, message, files: [{ path: rel, blob: probe.sha256, link: true }] });
        } catch (error) {
          await stored.undo();
          throw error;
        }
      }
    } catch (error) {
      if (thumb) await rm(join(projectDir, thumb), { force: true });
      throw error;
    }
    return { path: rel, thumbnail: thumb, deduplicated: false };
  });
}
