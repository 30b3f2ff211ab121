import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CreateProjectRequest,
  ForkProjectRequest,
  RestoreCanvasRequest,
  UpdateProjectRequest,
  validateGraph,
  type HistoryEntry,
  type ProjectAnswer,
  type ProjectDetail,
  type RestoredCanvas,
  type SavedGraph,
} from '@studio/node-schemas';
import { actorOf } from '../../auth/request-actor.ts';
import { InvalidGraphError, InvalidRequestError } from '../../errors.ts';
import { parseRequest } from '../../parse-request.ts';
import { createProject } from '../../projects/create-project.ts';
import { forkProject } from '../../projects/fork-project.ts';
import { restoreCanvas } from '../../sync/restore-canvas.ts';
import { checkRoomReplacement } from '../../review/graph-replace-guard.ts';
import { listProjects } from '../../projects/list-projects.ts';
import { projectHistory } from '../../projects/project-history.ts';
import type { EngineContext } from '../context.ts';

const IdParams = z.object({ id: z.string() });
/** Without a limit, every project (the dashboard asks for its first screen, then the rest). */
const ProjectPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  skip: z.coerce.number().int().min(0).default(0),
});
const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  skip: z.coerce.number().int().min(0).default(0),
});

/** POST /api/v1/projects: the body as CreateProjectRequest, or a 400 naming the field (its message as the schema words it). */
function parseCreateRequest(body: unknown): CreateProjectRequest {
  const parsed = CreateProjectRequest.safeParse(body);
  if (!parsed.success) throw new InvalidRequestError(parsed.error.issues[0]!.message, { field: parsed.error.issues[0]!.path.join('.') });
  return parsed.data;
}

/** Graphs are big: up to 20,000 nodes. Everything else stays at Fastify's 1 MiB default. */
const GRAPH_BODY_LIMIT = 32 * 1024 * 1024;

export function projectRoutes(app: FastifyInstance, ctx: EngineContext) {
  const { workspace, rooms } = ctx;

  app.get('/api/v1/projects', async (request, reply) => {
    const { limit, skip } = parseRequest(ProjectPageQuery, request.query);
    const page = await listProjects({ workspace, tenant: actorOf(request).tenant, limit, skip });
    // An open project's clock runs ahead of its last commit.
    for (const p of page.projects) p.version = (await rooms.loaded(p.id))?.serverClock ?? p.version;
    reply.header('x-total-count', String(page.total));
    return page.projects;
  });

  app.post('/api/v1/projects', async (request, reply) => {
    const actor = actorOf(request);
    const created = await createProject({
      workspace,
      templatesDir: ctx.templatesDir,
      request: parseCreateRequest(request.body ?? {}),
      tenant: actor.tenant,
      actor,
    });
    const answer: ProjectAnswer = { id: created.id, name: created.manifest.title, ...created.manifest };
    return reply.status(201).send(answer);
  });

  app.get('/api/v1/projects/:id', async (request): Promise<ProjectDetail> => {
    const { id } = parseRequest(IdParams, request.params);
    const room = await rooms.get(id);
    const manifest = room.projectManifest;
    return { id, name: manifest.title, ...manifest, graph: room.graph(), version: room.serverClock };
  });

  app.put('/api/v1/projects/:id', { bodyLimit: GRAPH_BODY_LIMIT }, async (request): Promise<SavedGraph> => {
    const { id } = parseRequest(IdParams, request.params);
    const body = parseRequest(z.object({ graph: z.unknown(), version: z.unknown() }).strict(), request.body ?? {});
    const room = await rooms.get(id);
    if (!Number.isInteger(body.version) || (body.version as number) < 1)
      throw new InvalidRequestError('version must be a positive integer', { field: 'version' });
    const checked = validateGraph(body.graph);
    if (!checked.ok) throw new InvalidGraphError(checked.issues[0]!.message, { issues: checked.issues });
    // An approved scene's shots refuse edits, a whole-graph save included (docs/governance.md#review).
    checkRoomReplacement(room, checked.graph);
    const saved = await room.replaceGraph(checked.graph, body.version as number, actorOf(request));
    return { status: 'success', version: saved.version };
  });

  app.patch('/api/v1/projects/:id', async (request): Promise<ProjectAnswer> => {
    const { id } = parseRequest(IdParams, request.params);
    const room = await rooms.get(id);
    const manifest = await room.updateProject(parseRequest(UpdateProjectRequest, request.body ?? {}), actorOf(request));
    return { id, name: manifest.title, ...manifest };
  });

  app.get('/api/v1/projects/:id/history', async (request): Promise<HistoryEntry[]> => {
    const { id } = parseRequest(IdParams, request.params);
    const { limit, skip } = parseRequest(HistoryQuery, request.query);
    // The newest entry is what the user sees: edits still waiting in the room are committed first.
    await (await rooms.loaded(id))?.persistNow();
    return projectHistory({ workspace, id, limit, skip });
  });

  app.post('/api/v1/projects/:id/fork', async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params);
    const { commit, name } = parseRequest(ForkProjectRequest, request.body ?? {});
    // "The newest commit" is what the user sees: edits still waiting in the room are committed first.
    await (await rooms.loaded(id))?.persistNow();
    const forked = await forkProject({ workspace, queue: ctx.queue, parentId: id, commit, name, actor: actorOf(request) });
    const answer: ProjectAnswer = { id: forked.id, name: forked.manifest.title, ...forked.manifest };
    return reply.status(201).send(answer);
  });

  app.post('/api/v1/projects/:id/restore', async (request): Promise<RestoredCanvas> => {
    const { id } = parseRequest(IdParams, request.params);
    const { commit } = parseRequest(RestoreCanvasRequest, request.body ?? {});
    const room = await rooms.get(id);
    await room.persistNow();
    return restoreCanvas({ room, commit, actor: actorOf(request), check: (graph) => checkRoomReplacement(room, graph) });
  });
}
