import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidRequestError } from '../../errors.ts';
import { parseRequest } from '../../parse-request.ts';
import { listTakes } from '../../projects/takes/list-takes.ts';
import { parseSubjectTake, takeSubject, type TakeSubject } from '../../projects/takes/take-subject.ts';
import type { TakesByNode, TakesPage } from '@studio/node-schemas';
import type { EngineContext } from '../context.ts';

const TAKE_NODES = new Set(['shot', 'audio', 'superResolution', 'videoRestoration']);

const IdParams = z.object({ id: z.string() });
/**
 * With `node`, one page of that node's takes, newest first: `limit` of them, older than take number
 * `before` when given. Without it, every generating node's takes, oldest first (or, with `limit`,
 * each node's newest `limit`, newest first).
 */
const TakesQuery = z.object({
  node: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.coerce.number().int().min(1).optional(),
});

const takeNumber = (path: string, subject: TakeSubject) => parseSubjectTake(subject, path.slice(path.lastIndexOf('/') + 1))?.take ?? 0;

/** GET /api/v1/projects/:id/takes: generating nodes' takes, read from their render folders. */
export function takeRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/projects/:id/takes', async (request): Promise<TakesPage | TakesByNode> => {
    const { id } = parseRequest(IdParams, request.params);
    const query = parseRequest(TakesQuery, request.query);
    const room = await ctx.rooms.get(id);
    const graph = room.graph();

    if (query.node !== undefined) {
      const node = graph.nodes.find((n) => n.id === query.node);
      if (!node || !TAKE_NODES.has(node.type)) throw new InvalidRequestError(`node ${query.node} makes no takes`, { field: 'node' });
      const subject = takeSubject(graph, node);
      const all = (await listTakes(room.dir, subject)).reverse();
      const older = query.before === undefined ? all : all.filter((path) => takeNumber(path, subject) < query.before!);
      const takes = older.slice(0, query.limit ?? 50);
      const last = takes.at(-1);
      return { takes, total: all.length, next_before: takes.length < older.length && last ? takeNumber(last, subject) : null };
    }

    const out: TakesByNode = {};
    await Promise.all(
      graph.nodes
        .filter((n) => TAKE_NODES.has(n.type))
        .map(async (node) => {
          const takes = await listTakes(room.dir, takeSubject(graph, node));
          out[node.id] = query.limit === undefined ? takes : takes.slice(-query.limit).reverse();
        }),
    );
    return out;
  });
}
