import type { FastifyInstance } from 'fastify';
import type { TakeProvenance } from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../../errors.ts';
import { isTakePath } from '../../projects/provenance/take-path.ts';
import { readProvenance } from '../../projects/provenance/read-provenance.ts';
import { ensureThumbnail } from '../../projects/takes/thumbnail.ts';
import { isPlainProjectFile } from '../../projects/open-project-file.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
import type { EngineContext } from '../context.ts';

class NoThumbnailError extends StudioError {
  override readonly code = 'FILE_NOT_FOUND';
  override readonly status = 404;
}

const ASPECTS = ['provenance', 'thumbnail'] as const;
type Aspect = (typeof ASPECTS)[number];

/** `<take path>/provenance` -> the take path and what is asked of it; a path that is not a take's is a 400 that reads nothing. */
function parseTakeRequest(rest: string): { take: string; aspect: Aspect } {
  const slash = rest.lastIndexOf('/');
  const aspect = rest.slice(slash + 1) as Aspect;
  const take = slash < 0 ? '' : rest.slice(0, slash);
  if (!ASPECTS.includes(aspect)) throw new InvalidRequestError(`ask for a take's ${ASPECTS.join(' or ')}`, { path: rest.slice(0, 200) });
  // The router has decoded the path once; it is not decoded again (`%252e` stays `%2e`, never `.`).
  if (!isTakePath(take))
    throw new InvalidRequestError('not a take path: a take is a file under 03_Renders named like SHOT-010_v01_take03.png', { path: take.slice(0, 200) });
  return { take, aspect };
}

/**
 * GET /api/v1/projects/:id/takes/<path>/provenance: what the take was made from (docs/governance.md#provenance).
 * GET /api/v1/projects/:id/takes/<path>/thumbnail: the take's thumbnail (a small JPEG of an image or a frame of a video, made once), by redirect to the file.
 */
export async function provenanceRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  app.get('/api/v1/projects/:id/takes/*', async (request, reply): Promise<TakeProvenance | undefined> => {
    const { id, '*': rest } = request.params as { id: string; '*': string };
    const { take, aspect } = parseTakeRequest(rest ?? '');
    const dir = await existingProjectPath(ctx.workspace, id);
    if (aspect === 'thumbnail') {
      if (!(await isPlainProjectFile(dir, take))) throw new NoThumbnailError(`no take ${take}`, { path: take });
      const thumb = await ensureThumbnail(dir, take, { scaleImages: true }).catch(() => null);
      if (!thumb) throw new NoThumbnailError(`${take} has no picture to show (audio, or a video ffmpeg cannot read)`, { path: take });
      const url = `/api/v1/projects/${encodeURIComponent(id)}/files/${thumb.split('/').map(encodeURIComponent).join('/')}`;
      return reply.header('cache-control', 'private, max-age=3600').redirect(url, 302);
    }
    const graph = (await ctx.rooms.get(id)).graph();
    const nodeName = (nodeId: string) => {
      const node = graph?.nodes.find((n) => n.id === nodeId);
      return typeof node?.data.label === 'string' ? node.data.label : null;
    };
    return readProvenance({ projectDir: dir, takePath: take, nodeName });
  });
}
