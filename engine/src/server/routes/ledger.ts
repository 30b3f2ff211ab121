import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** The cost ledger and budgets (issue 15). */
export async function ledgerRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  void app;
  void ctx;
}
