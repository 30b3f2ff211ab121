import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../errors.ts';
import { actorOf } from '../../auth/request-actor.ts';
import { existingMedia, importMedia, thumbnailPath } from '../../assets/import-media.ts';
import { syncPath } from '../../assets/lfs-place.ts';
import { checkMediaIntegrity } from '../../assets/media-integrity.ts';
import { probeMedia } from '../../assets/media-probe.ts';
import { receiveFiles } from '../../assets/receive-upload.ts';
import { fileUrl } from '../../projects/file-url.ts';
import { openProjectRepository } from '../../projects/repository/open-project-repository.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
import type { EngineContext } from '../context.ts';

/**
 * POST /api/v1/projects/:id/media: one file, streamed to disk beside the project (05_Cache is not
 * history) and hashed on its way, checked from its bytes, then moved into 01_Assets/Source_Media
 * and committed. From the end of the receive, while the file is probed and a video or audio is
 * checked (every packet read, a decode of its start, middle and end, its poster), it is fsynced:
 * it is durable before it is committed. Any refusal removes what was written.
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
      // Server-Timing: where an upload's time went (the benchmark reads it), phase by phase.
      const phases: string[] = [];
      let mark = performance.now();
      const phase = (name: string) => {
        const now = performance.now();
        phases.push(`${name};dur=${(now - mark).toFixed(1)}`);
        mark = now;
      };
      let answer: Record<string, unknown> & { deduplicated: boolean };
      try {
        const [file, ...extra] = await receiveFiles(request, async () => join(incoming, String(n++)), { maxBytes, maxFiles: 1 });
        if (extra.length) throw new InvalidRequestError('send one file per request');
        phase('receive');
        const already = await existingMedia(dir, file!.sha256!);
        // The fsync starts as soon as the bytes are in and runs beside the probe and the check: each is timed from here.
        const received = performance.now();
        const timed = <T>(name: string, work: Promise<T>) => work.finally(() => phases.push(`${name};dur=${(performance.now() - received).toFixed(1)}`));
        let poster: string | null = null;
        const probeAndCheck = async () => {
          const probed = await probeMedia(file!.temp, file!.originalName, file!.sha256);
          phase('probe');
          if (already) return probed.media;
          poster = probed.media.kind === 'video' ? join(incoming, 'poster.jpg') : null;
          const { stream } = probed;
          if (stream)
            await timed(
              'integrity',
              checkMediaIntegrity({ path: file!.temp, name: file!.originalName, size: file!.size, kind: probed.media.kind, stream, poster }),
            );
          return probed.media;
        };
        // Both settle before a refusal is thrown: nothing may still be at work in the scratch folder once it is removed.
        const [checked, synced] = await Promise.allSettled([probeAndCheck(), already ? Promise.resolve() : timed('fsync', syncPath(file!.temp))]);
        if (!already) phase('check');
        if (checked.status === 'rejected') throw checked.reason;
        if (synced.status === 'rejected') throw synced.reason;
        const probe = checked.value;
        // The same bytes already imported were checked then: they are answered as they are.
        const placed = already
          ? { path: already, thumbnail: thumbnailPath(probe), deduplicated: true }
          : await importMedia({
              repository: openProjectRepository({ id, dir, queue: ctx.queue }),
              projectDir: dir,
              temp: file!.temp,
              originalName: file!.originalName,
              probe,
              poster,
              actor: actorOf(request),
            });
        phase('commit');
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
      return reply
        .status(answer.deduplicated ? 200 : 201)
        .header('server-timing', phases.join(', '))
        .send(answer);
    });
  });
}
