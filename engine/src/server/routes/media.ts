import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ProjectRelativePath } from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../../errors.ts';
import { openProjectFile } from '../../projects/open-project-file.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
import { byteRange } from './byte-range.ts';
import type { EngineContext } from '../context.ts';

class FileNotFoundError extends StudioError {
  override readonly code = 'FILE_NOT_FOUND';
  override readonly status = 404;
}

class LfsPointerError extends StudioError {
  override readonly code = 'LFS_POINTER';
  override readonly status = 409;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.aac': 'audio/aac',
  '.m4a': 'audio/mp4',
  '.json': 'application/json',
  '.edl': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Folders of a project the browser may read media from. */
const READABLE = ['01_Assets/', '03_Renders/', '04_Project_Files/EDLs/', '05_Cache/thumbnails/', '05_Cache/previews/', '06_Exports/'];

/**
 * GET /api/v1/projects/:id/files/* streams a project file from disk with HTTP range requests
 * (video seeking, audio scrubbing), never reading it whole into memory.
 */
export function mediaRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/projects/:id/files/*', async (request, reply) => {
    const { id, '*': rest } = request.params as { id: string; '*': string };
    // The router has already decoded the path once; decoding again would turn `a%41` into `aA`.
    const rel = rest ?? '';
    if (!ProjectRelativePath.safeParse(rel).success || !READABLE.some((prefix) => rel.startsWith(prefix)))
      throw new InvalidRequestError('not a readable project file path', { path: rel.slice(0, 200) });
    const dir = await existingProjectPath(ctx.workspace, id);
    const file = await openProjectFile(dir, rel);
    if (!file) throw new FileNotFoundError(`no file ${rel}`, { path: rel });
    try {
      if (file.size < 200) {
        const head = (await file.handle.read(Buffer.alloc(48), 0, 48, 0)).buffer.toString('utf8');
        if (head.startsWith('version https://git-lfs'))
          throw new LfsPointerError(`${rel} is only a Git LFS pointer here: its content has not been fetched (git lfs pull)`, { path: rel });
      }
      const { start, end, status } = byteRange(request.headers.range, file.size);
      if (status === 416) {
        await file.handle.close();
        return reply.status(416).header('content-range', `bytes */${file.size}`).send();
      }
      const type = TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
      reply.header('accept-ranges', 'bytes').header('content-type', type).header('cache-control', 'private, max-age=3600');
      if (status === 206) reply.status(206).header('content-range', `bytes ${start}-${end}/${file.size}`);
      reply.header('content-length', file.size === 0 ? 0 : end - start + 1);
      if (file.size === 0) {
        await file.handle.close();
        return reply.send('');
      }
      return reply.send(file.handle.createReadStream({ start, end }));
    } catch (error) {
      await file.handle.close().catch(() => undefined);
      throw error;
    }
  });
}
