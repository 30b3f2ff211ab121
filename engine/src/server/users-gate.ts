import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenScope } from '@studio/node-schemas';
import { authServiceFor, closeAuthService, type Authenticated } from '../auth/auth-service.ts';
import { ForbiddenError } from '../auth/auth-errors.ts';
import { ProjectTenants } from '../auth/project-tenant.ts';
import { setRequestActor } from '../auth/request-actor.ts';
import { sessionOf, setRequestSession } from '../auth/request-session.ts';
import { safeDecode } from '../auth/token.ts';
import { setUpgradeAuth } from '../auth/upgrade-auth.ts';
import { ProjectNotFoundError } from '../errors.ts';
import { TaskNotFoundError } from '../jobs/job-kind.ts';
import type { EngineContext } from './context.ts';

/** Routes the users gate guards: the REST API and the project repositories over git (and LFS). */
export function isUsersGuardedRoute(routeUrl: string): boolean {
  return routeUrl === '/api' || routeUrl.startsWith('/api/') || routeUrl === '/git' || routeUrl.startsWith('/git/');
}

const isGitRoute = (routeUrl: string) => routeUrl.startsWith('/git/');
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** git fetch and clone POST to git-upload-pack (a read); a push asks for, and POSTs to, git-receive-pack. */
function gitWrites(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  if (path.endsWith('/git-receive-pack') || /[?&]service=git-receive-pack(&|$)/.test(request.url)) return true;
  if (path.endsWith('/git-upload-pack') || path.endsWith('/info/lfs/objects/batch')) return false;
  return !READ_METHODS.has(request.method);
}

/** The project a route names: `:id` of /api/v1/projects/:id..., `projectId`/`project` params, or the `/git/<tenant>/<project>.git` segments. */
function namedProject(request: FastifyRequest, routeUrl: string): { project: string; tenant?: string } | null {
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  if (isGitRoute(routeUrl)) {
    const path = safeDecode(request.url.split('?')[0]!) ?? '';
    const match = /^\/git\/([^/]+)\/([^/]+?)(?:\.git)?(?:\/|$)/.exec(path);
    const tenant = params.tenant ?? match?.[1];
    const project = (params.project ?? params.repo ?? match?.[2])?.replace(/\.git$/, '');
    return project ? { project, tenant: tenant ?? '' } : { project: '', tenant: tenant ?? '' };
  }
  if (routeUrl.startsWith('/api/v1/projects/:id')) return params.id !== undefined ? { project: params.id } : null;
  const named = params.projectId ?? params.project_id ?? params.project;
  return named !== undefined ? { project: named } : null;
}

/**
 * Multi-user mode (STUDIO_AUTH=users): every /api and /git route needs a valid token (or, for git, a
 * user's Basic password), sets the request's actor, checks the token's scope against the method,
 * and answers a project of another tenant exactly as a missing one (404 PROJECT_NOT_FOUND), so no
 * tenant can learn which project ids another holds. Installed before the routes.
 */
export function installUsersGate(app: FastifyInstance, ctx: EngineContext, record: (route: { method: string; url: string; guarded: boolean }) => void): void {
  const auth = authServiceFor(ctx);
  const tenants = new ProjectTenants(ctx.workspace);
  app.addHook('onClose', async () => closeAuthService(ctx.workspace));

  const requireScope = (session: Authenticated, scope: TokenScope) => {
    if (!session.scopes.includes(scope))
      throw new ForbiddenError(`this token does not allow ${scope === 'projects:write' ? 'changes' : 'reading'} (it lacks ${scope})`, { scope });
  };
  const requireTenant = async (session: Authenticated, project: string, tenantSegment?: string) => {
    if (tenantSegment !== undefined && tenantSegment !== session.actor.tenant) throw new ProjectNotFoundError(project);
    const tenant = await tenants.of(project);
    // A missing project is left to the route (it answers the same 404); another tenant's never reaches it.
    if (tenant !== null && tenant !== session.actor.tenant) throw new ProjectNotFoundError(project);
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply, git: boolean): Promise<Authenticated> => {
    try {
      const session = await auth.authenticate({ headers: request.headers, url: request.url, address: request.ip, allowPassword: git });
      setRequestActor(request, session.actor);
      setRequestSession(request, session);
      return session;
    } catch (error) {
      // git asks for credentials only after a Basic challenge.
      if (git) reply.header('www-authenticate', 'Basic realm="Studio", charset="UTF-8"');
      throw error;
    }
  };

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const routeUrl = request.routeOptions.url ?? '';
    const git = isGitRoute(routeUrl);
    const session = await authenticate(request, reply, git);
    requireScope(session, (git ? gitWrites(request) : !READ_METHODS.has(request.method)) ? 'projects:write' : 'projects:read');
    const named = namedProject(request, routeUrl);
    // A worker's job token: its one project, over git, and nothing else.
    if (session.project !== undefined) {
      if (!git) throw new ForbiddenError('a job token reaches its project over git only', { project: session.project });
      if (named?.project !== session.project) throw new ProjectNotFoundError(named?.project ?? '');
    }
    if (named) await requireTenant(session, named.project, named.tenant);
  };

  // What only the parsed body or the task says: the project of a generation, of a task, an LFS upload.
  const afterBody = async (request: FastifyRequest) => {
    const routeUrl = request.routeOptions.url ?? '';
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    const actorSession = sessionOf(request);
    if (!actorSession) return;
    if (isGitRoute(routeUrl) && body.operation === 'upload') requireScope(actorSession, 'projects:write');
    const bodyProject = body.project_id ?? body.projectId;
    if (typeof bodyProject === 'string') await requireTenant(actorSession, bodyProject);
    if (routeUrl.startsWith('/api/v1/tasks/:id') && ctx.tasks) {
      const taskId = (request.params as { id?: string }).id ?? '';
      const task = await ctx.tasks.status(taskId).catch(() => null);
      if (task?.project_id) await requireTenant(actorSession, task.project_id);
      else if (task) {
        // A task of no project (training) belongs to the tenant of its asset; any other is answered as a missing task.
        const assetId = (task.detail as { asset_id?: unknown } | undefined)?.asset_id;
        const owner = typeof assetId === 'string' && ctx.assets ? await ctx.assets.tenantOfAsset(assetId) : null;
        if (owner !== actorSession.actor.tenant) throw new TaskNotFoundError(`no task '${taskId.slice(0, 100)}'`, { task_id: taskId.slice(0, 100) });
      }
    }
  };

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? '';
    for (const method of [route.method].flat()) record({ method, url, guarded: isUsersGuardedRoute(url) });
  });
  // Hooks of the root, added before any route or plugin: they run before every hook of theirs (the git routes' own).
  app.addHook('onRequest', async (request, reply) => {
    const routeUrl = request.routeOptions.url;
    if (routeUrl !== undefined && isUsersGuardedRoute(routeUrl)) await guard(request, reply);
  });
  app.addHook('preHandler', async (request) => {
    const routeUrl = request.routeOptions.url;
    if (routeUrl !== undefined && isUsersGuardedRoute(routeUrl)) await afterBody(request);
  });

  // No route matched: an API, WebSocket or git-looking path says 401 without a valid token, like the routes (and reveals nothing).
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split('?')[0]!;
    const apiLike = /^\/(api|ws|git)(\/|$)/.test(path);
    if (apiLike) await authenticate(request, reply, path.startsWith('/git/'));
  });

  setUpgradeAuth(app.server, {
    authenticate: (request) =>
      auth.authenticate({ headers: request.headers, url: request.url ?? '/', address: request.socket.remoteAddress ?? '', allowPassword: false }),
    mayOpen: async (session, projectId) => {
      if (session.project !== undefined) return false;
      const tenant = await tenants.of(projectId);
      return tenant === null || tenant === session.actor.tenant;
    },
  });
}
