import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isGuardedRoute, looksLikeApiPath, presentedToken, queryOf, TOKEN_COOKIE, TOKEN_QUERY, tokenMatches } from '../auth/token.ts';
import type { EngineContext } from './context.ts';
import { installUsersGate } from './users-gate.ts';
import { setRequestActor } from '../auth/request-actor.ts';
import { jobTokenActor, type JobTokens } from '../jobs/stateless/job-token.ts';

const UNAUTHORIZED = { error: 'a startup token is required: open the URL the engine printed', code: 'UNAUTHORIZED' };

export interface GatedRoute {
  method: string;
  url: string;
  guarded: boolean;
}

const ROUTES = new WeakMap<FastifyInstance, GatedRoute[]>();

/** Every route registered on a gated app, and whether the gate guards it (for audits and tests). */
export function gatedRoutes(app: FastifyInstance): readonly GatedRoute[] {
  return ROUTES.get(app) ?? [];
}

/** Only a same-origin path: `//host` and `/\host` would send the browser elsewhere. */
function sameOriginPath(target: string): string {
  const path = target.split('?')[0]!;
  return /^\/(?![/\\])/.test(path) ? path : '/';
}

/**
 * The gate of an engine: multi-user mode (STUDIO_AUTH=users) verifies a user's JWT on every API
 * and git route (users-gate.ts); otherwise, bound beyond loopback, the startup token; on the
 * loopback default nothing. Must be installed before routes.
 */
export function installTokenGate(app: FastifyInstance, ctx: Pick<EngineContext, 'settings' | 'token' | 'workspace' | 'tasks' | 'jobTokens'>): void {
  const routes: GatedRoute[] = [];
  ROUTES.set(app, routes);
  if (ctx.settings.auth === 'users') return installUsersGate(app, ctx as EngineContext, (route) => routes.push(route));
  if (ctx.token !== null) installStartupTokenGate(app, ctx.token, routes, ctx.jobTokens);
}

/**
 * The startup token, enforced by a root hook on every API and git route the router knows: the decision is made
 * on the route that matched, never on the request text, so no spelling of a path (percent-encoded,
 * absolute-form, dot segments) reaches a handler without the token. Must be installed before routes.
 */
function installStartupTokenGate(app: FastifyInstance, token: string, routes: GatedRoute[], jobTokens: JobTokens | undefined): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = presentedToken(request.headers, request.url);
    if (tokenMatches(token, presented)) return;
    // A stateless worker's job token opens its one repository's git routes while its job runs.
    const worker = await jobTokenActor(jobTokens, presented, request.routeOptions.url, request.params);
    if (worker) return setRequestActor(request, worker);
    // git sends its credentials (any user, the token as password) only after a Basic challenge.
    if (request.routeOptions.url?.startsWith('/git/')) reply.header('www-authenticate', 'Basic realm="Studio", charset="UTF-8"');
    return reply.status(401).send(UNAUTHORIZED);
  };
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? '';
    for (const method of [route.method].flat()) routes.push({ method, url, guarded: isGuardedRoute(url) });
  });
  // A hook of the root, added before any route or plugin: it runs before every hook of theirs.
  app.addHook('onRequest', async (request, reply) => {
    const routeUrl = request.routeOptions.url;
    if (routeUrl !== undefined && isGuardedRoute(routeUrl)) return guard(request, reply);
  });

  // A page opened from the printed URL: keep the token in a cookie so the app's requests carry it.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const routeUrl = request.routeOptions.url;
    if (routeUrl !== undefined && isGuardedRoute(routeUrl)) return;
    // No route: an API-looking path says 401 without the token, like the routes (and reveals nothing).
    if (routeUrl === undefined && looksLikeApiPath(request.url) && !tokenMatches(token, presentedToken(request.headers, request.url)))
      return reply.status(401).send(UNAUTHORIZED);
    const query = queryOf(request.url);
    if (!query.has(TOKEN_QUERY) || !tokenMatches(token, query.get(TOKEN_QUERY))) return;
    query.delete(TOKEN_QUERY);
    const search = query.size ? `?${query}` : '';
    reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
    return reply.redirect(sameOriginPath(request.url) + search, 303);
  });
}
