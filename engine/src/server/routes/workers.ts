import type { FastifyInstance } from 'fastify';
import type { WorkerView } from '@studio/node-schemas';
import type { EngineContext } from '../context.ts';

/** GET /api/v1/workers: each live worker with its GPUs, VRAM, current jobs and last heartbeat. */
export function workerRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/workers', async (): Promise<WorkerView[]> => (ctx.tasks ? ctx.tasks.workers() : []));
}
