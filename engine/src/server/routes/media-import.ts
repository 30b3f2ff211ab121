import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../errors.ts';
import { importMedia } from '../../assets/import-media.ts';
import { probeMedia } from '../../assets/media-probe.ts';
import { receiveFiles } from '../../assets/receive-upload.ts';
import { fileUrl } from '../../projects/file-url.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
import type { EngineContext } from '../context.ts';

/**
 * POST /api/v1/projects/:id/media: one file, streamed to disk beside the project (05_Cache is not
 * history), checked from its bytes, then moved into 01_Assets/Source_Media and committed. Any
 * refusal removes what was written.
 */
export async function mediaImportRoutes(app: FastifyInstance, ctx: EngineContext) {
  // Sized for real camera files by default (an hour of 4K ProRes is far more; set STUDIO_MAX_MEDIA_UPLOAD).
  const maxBytes = ctx.settings.maxMediaUpload;
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1 } });
    scope.post('/api/v1/projects/:id/media', async (request, reply) => {
      const { id } = request.params as { id: string };
      const dir = await existingProjectPath(ctx.workspace, id);
      // Everything this request writes goes in one scratch folder, removed whatever happens.
      const incoming = join(dir, '05_Cache', '.incoming', randomBytes(12).toString('hex'));
      await mkdir(incoming, { recursive: true });
      let n = 0;
      let answer: Record<string, unknown> & { deduplicated: boolean };
      try {
        const [file, ...extra] = await receiveFiles(request, async () => join(incoming, String(n++)), { maxBytes, maxFiles: 1 });
        if (extra.length) throw new InvalidRequestError('send one file per request');
        const probe = await probeMedia(file!.temp, file!.originalName);
        const placed = await importMedia({ projectId: id, projectDir: dir, queue: ctx.queue, temp: file!.temp, originalName: file!.originalName, probe });
        const { mime: _mime, ext: _ext, ...facts } = probe;
        answer = {
          path: placed.path,
          url: fileUrl(id, placed.path),
          thumbnail: placed.thumbnail,
          thumbnail_url: placed.thumbnail ? fileUrl(id, placed.thumbnail) : null,
          deduplicated: placed.deduplicated,
          ...facts,
        };
      } finally {
        // Before answering: once the client has its answer, nothing of the upload is left over.
        await rm(incoming, { recursive: true, force: true });
      }
      return reply.status(answer.deduplicated ? 200 : 201).send(answer);
    });
  });
}
