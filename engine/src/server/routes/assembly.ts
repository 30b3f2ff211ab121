import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FrameRateInput, Timecode, type DraftPreviewStatus, type EdlCheck, type EdlExport, type SubmittedTask } from '@studio/node-schemas';
import { InvalidRequestError } from '../../errors.ts';
import { actorOf } from '../../auth/request-actor.ts';
import { parseRequest } from '../../parse-request.ts';
import { checkFromRoom, compileFromRoom, saveEdl } from '../../assembly/export-edl.ts';
import { edlFileName } from '../../assembly/export-name.ts';
import { DraftPreviews, type DraftPreview } from '../../assembly/preview/draft-previews.ts';
import { fileUrl } from '../../projects/file-url.ts';
import type { EngineContext } from '../context.ts';

const Overrides = z
  .object({
    assembler: z.string().min(1).max(128),
    fps: FrameRateInput.optional(),
    drop_frame: z.enum(['true', 'false']).or(z.boolean()).optional(),
    record_start: Timecode.optional(),
    title: z
      .string()
      .max(70)
      .regex(/^[^\r\n]*$/)
      .optional(),
    part: z.coerce.number().int().min(1).optional(),
  })
  .strict();

function parseOverrides(input: unknown) {
  const { assembler, fps, drop_frame, record_start, title, part } = parseRequest(Overrides, input ?? {});
  return {
    assemblerId: assembler,
    part,
    overrides: {
      ...(fps ? { rate: fps } : {}),
      ...(drop_frame !== undefined ? { dropFrame: drop_frame === true || drop_frame === 'true' } : {}),
      ...(record_start ? { recordStart: record_start } : {}),
      ...(title !== undefined ? { title } : {}),
    },
  };
}

const RenderBody = z
  .object({
    assembler: z.string().min(1).max(128),
    fps: FrameRateInput.optional(),
    backend: z.enum(['ffmpeg', 'editly']).optional(),
    /** Half size, watermarked DRAFT, allowed whatever the scenes' review status (docs/governance.md#review). */
    draft: z.boolean().optional(),
    /** Render again even when an earlier render of the same inputs is still there. */
    force: z.boolean().optional(),
  })
  .strict();

const PreviewBody = z.object({ assembler: z.string().min(1).max(128) }).strict();

/** The cut as a CMX3600 EDL: GET compiles it (with overrides), POST also saves and commits it. */
export function assemblyRoutes(app: FastifyInstance, ctx: EngineContext) {
  const previews = new DraftPreviews();
  const previewAnswer = (id: string, preview: DraftPreview): DraftPreviewStatus => ({ ...preview, url: preview.output ? fileUrl(id, preview.output) : null });

  // The draft preview: a fast low-resolution render of the same list, for checking timing; not the final render.
  app.post('/api/v1/projects/:id/preview', async (request, reply) => {
    const { id } = request.params as { id: string };
    const { assembler } = parseRequest(PreviewBody, request.body ?? {});
    const preview = await previews.start({ room: await ctx.rooms.get(id), assemblerId: assembler });
    return reply.status(202).send(previewAnswer(id, preview));
  });
  app.get('/api/v1/projects/:id/preview/:previewId', async (request) => {
    const { id, previewId } = request.params as { id: string; previewId: string };
    return previewAnswer(id, previews.status(previewId, (await ctx.rooms.get(id)).id));
  });

  app.get('/api/v1/projects/:id/edl', async (request, reply) => {
    const { id } = request.params as { id: string };
    const { assemblerId, overrides, part = 1 } = parseOverrides(request.query);
    const { lists, sequence } = await compileFromRoom({ room: await ctx.rooms.get(id), assemblerId, overrides });
    if (part > lists.length) throw new InvalidRequestError(`the list has ${lists.length} part(s)`, { field: 'part' });
    const name = edlFileName({ title: sequence.settings.title, part, parts: lists.length });
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-edl-parts', String(lists.length))
      .header('x-edl-warnings', String(sequence.warnings.length))
      .send(lists[part - 1]);
  });

  // What the assembler shows on its shots before export: trims against the probed takes, shortened dissolves, conformed rates.
  app.get('/api/v1/projects/:id/edl/check', async (request): Promise<EdlCheck> => {
    const { id } = request.params as { id: string };
    const { assemblerId, overrides } = parseOverrides(request.query);
    const sequence = await checkFromRoom({ room: await ctx.rooms.get(id), assemblerId, overrides });
    return { shots: sequence.shots.length, frames: sequence.frames, fps: sequence.settings.rate, missing: sequence.missing, warnings: sequence.warnings };
  });

  app.post('/api/v1/projects/:id/render', async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = parseRequest(RenderBody, request.body ?? {});
    if (!ctx.tasks) throw new InvalidRequestError('this engine runs no job queue');
    const submitted = await ctx.tasks.submitRender({
      projectId: id,
      assemblerId: body.assembler,
      fps: body.fps,
      backend: body.backend,
      ...(body.draft === undefined ? {} : { draft: body.draft }),
      ...(body.force === undefined ? {} : { force: body.force }),
      actor: actorOf(request),
    });
    // A reused render is done already: 200 with its movie; a queued one is 202.
    const answer: SubmittedTask = submitted;
    return reply.status(submitted.reused ? 200 : 202).send(answer);
  });

  app.post('/api/v1/projects/:id/edl', async (request, reply) => {
    const { id } = request.params as { id: string };
    const { assemblerId, overrides } = parseOverrides(request.body);
    const room = await ctx.rooms.get(id);
    const { lists, sequence } = await compileFromRoom({ room, assemblerId, overrides });
    const paths = await saveEdl({ room, queue: ctx.queue, sequence, lists, actor: actorOf(request) });
    const answer: EdlExport = {
      files: paths.map((path) => ({ path, url: fileUrl(id, path) })),
      shots: sequence.shots.length,
      frames: sequence.frames,
      fps: sequence.settings.rate,
      warnings: sequence.warnings,
    };
    return reply.status(201).send(answer);
  });
}
