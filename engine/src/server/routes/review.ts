import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** Scene review and approval, the event log (issue 15). */
export async function reviewRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  void app;
  void ctx;
}
