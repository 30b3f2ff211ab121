import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** POST /auth/token and the users of multi-user mode (issue 14). */
export async function authRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  void app;
  void ctx;
}
