import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** Take provenance (issue 15). */
export async function provenanceRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  void app;
  void ctx;
}
