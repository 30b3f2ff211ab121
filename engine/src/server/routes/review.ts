import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ReviewRequest,
  SceneBudgetRequest,
  SceneName,
  type EventListResponse,
  type Graph,
  type ReviewResponse,
  type SceneListResponse,
} from '@studio/node-schemas';
import { actorOf } from '../../auth/request-actor.ts';
import { StudioError } from '../../errors.ts';
import { parseRequest } from '../../parse-request.ts';
import { readEvents } from '../../review/event-log.ts';
import { replayCanvas } from '../../review/replay-canvas.ts';
import { ReviewService } from '../../review/review-service.ts';
import type { EngineContext } from '../context.ts';

const SceneParams = z.object({ id: z.string(), scene: SceneName });
const EventsQuery = z.object({ scene: SceneName.optional() }).strict();
const SeqParams = z.object({ id: z.string(), seq: z.coerce.number().int().min(1) });

class EventNotFoundError extends StudioError {
  override readonly code = 'EVENT_NOT_FOUND';
  override readonly status = 404;
}

/** Scene review and approval, the event log and its replay (docs/governance.md#review). */
export async function reviewRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  const reviews = new ReviewService(ctx);

  app.get('/api/v1/projects/:id/scenes', async (request): Promise<SceneListResponse> => {
    const { id } = request.params as { id: string };
    return { scenes: (await reviews.of(id)).scenes() };
  });

  app.post('/api/v1/projects/:id/scenes/:scene/review', async (request): Promise<ReviewResponse> => {
    const { id, scene } = parseRequest(SceneParams, request.params);
    const { action, note } = parseRequest(ReviewRequest, request.body ?? {});
    return (await reviews.of(id)).review({ scene, action, ...(note?.trim() ? { note: note.trim() } : {}), actor: actorOf(request) });
  });

  app.patch('/api/v1/projects/:id/scenes/:scene', async (request): Promise<ReviewResponse> => {
    const { id, scene } = parseRequest(SceneParams, request.params);
    const { budget } = parseRequest(SceneBudgetRequest, request.body ?? {});
    return (await reviews.of(id)).setBudget({ scene, budget, actor: actorOf(request) });
  });

  app.get('/api/v1/projects/:id/events', async (request): Promise<EventListResponse> => {
    const { id } = request.params as { id: string };
    const { scene } = parseRequest(EventsQuery, request.query ?? {});
    const review = await reviews.of(id);
    const events = await ctx.queue.run(review.room.id, () => readEvents(review.room.dir));
    return { events: events.filter((e) => !scene || e.scene === scene).map(({ replay: _replay, ...event }) => event) };
  });

  // The canvas as it stood right after an event, rebuilt from the log alone.
  app.get('/api/v1/projects/:id/events/:seq/canvas', async (request): Promise<{ seq: number; clock: number; graph: Graph }> => {
    const { id, seq } = parseRequest(SeqParams, request.params);
    const review = await reviews.of(id);
    const events = await ctx.queue.run(review.room.id, () => readEvents(review.room.dir));
    if (!events.some((e) => e.seq === seq)) throw new EventNotFoundError(`no event ${seq} in this project's log`, { seq });
    const { graph, clock } = replayCanvas(events, seq);
    return { seq, clock, graph };
  });
}
