import type { FastifyInstance } from 'fastify';
import { listTakes } from '../../projects/takes/list-takes.ts';
import { takeSubject } from '../../projects/takes/take-subject.ts';
import type { EngineContext } from '../context.ts';

const TAKE_NODES = new Set(['shot', 'audio', 'superResolution', 'videoRestoration']);

/** GET /api/v1/projects/:id/takes: every generating node's takes, read from its render folder. */
export function takeRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/projects/:id/takes', async (request) => {
    const { id } = request.params as { id: string };
    const room = await ctx.rooms.get(id);
    const graph = room.graph();
    const out: Record<string, string[]> = {};
    await Promise.all(
      graph.nodes.filter((n) => TAKE_NODES.has(n.type)).map(async (node) => (out[node.id] = await listTakes(room.dir, takeSubject(graph, node)))),
    );
    return out;
  });
}
