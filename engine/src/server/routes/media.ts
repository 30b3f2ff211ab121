import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ProjectRelativePath } from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../../errors.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
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
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mov': 'video/quicktime', '.mkv': 'video/x-matroska',
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.flac': 'audio/flac', '.ogg': 'audio/ogg', '.aac': 'audio/aac', '.m4a': 'audio/mp4',
  '.json': 'application/json', '.edl': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
};

/** Folders of a project the browser may read media from. */
const READABLE = ['01_Assets/', '03_Renders/', '04_Project_Files/EDLs/', '05_Cache/thumbnails/', '06_Exports/'];

/**
 * GET /api/v1/projects/:id/files/* streams a project file from disk with HTTP range requests
 * (video seeking, audio scrubbing), never reading it whole into memory.
 */
export function mediaRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/projects/:id/files/*', async (request, reply) => {
    const { id, '*': rest } = request.params as { id: string; '*': string };
    const rel = decodeURIComponent(rest ?? '');
    if (!ProjectRelativePath.safeParse(rel).success || !READABLE.some((prefix) => rel.startsWith(prefix)))
      throw new InvalidRequestError('not a readable project file path', { path: rel.slice(0, 200) });
    const dir = await existingProjectPath(ctx.workspace, id);
    const real = await realpath(join(dir, rel)).catch(() => null);
    if (!real || !real.startsWith((await realpath(dir)) + sep)) throw new FileNotFoundError(`no file ${rel}`, { path: rel });
    const info = await stat(real);
    if (!info.isFile()) throw new FileNotFoundError(`no file ${rel}`, { path: rel });
    if (info.size < 200) {
      const handle = await open(real, 'r');
      const head = (await handle.read(Buffer.alloc(48), 0, 48, 0)).buffer.toString('utf8');
      await handle.close();
      if (head.startsWith('version https://git-lfs'))
        throw new LfsPointerError(`${rel} is only a Git LFS pointer here: its content has not been fetched (git lfs pull)`, { path: rel });
    }
    const type = TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream';
    reply.header('accept-ranges', 'bytes').header('content-type', type).header('cache-control', 'private, max-age=3600');
    const range = request.headers.range;
    if (range) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range);
      let start = match && match[1] ? Number(match[1]) : NaN;
      let end = match && match[2] ? Number(match[2]) : info.size - 1;
      if (match && !match[1] && match[2]) {
        start = Math.max(0, info.size - Number(match[2]));
        end = info.size - 1;
      }
      if (!match || Number.isNaN(start) || start > end || start >= info.size) {
        return reply.status(416).header('content-range', `bytes */${info.size}`).send();
      }
      end = Math.min(end, info.size - 1);
      reply.status(206).header('content-range', `bytes ${start}-${end}/${info.size}`).header('content-length', end - start + 1);
      return reply.send(createReadStream(real, { start, end }));
    }
    reply.header('content-length', info.size);
    return reply.send(createReadStream(real));
  });
}
