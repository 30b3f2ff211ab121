import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** Project repositories over git smart HTTP and the Git LFS Batch API (issue 14). */
export async function gitHttpRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  void app;
  void ctx;
}
