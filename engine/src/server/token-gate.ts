import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { isGuardedRoute, looksLikeApiPath, presentedToken, queryOf, TOKEN_COOKIE, TOKEN_QUERY, tokenMatches } from '../auth/token.ts';

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
 * The startup token, enforced as a hook on every API route the router knows: the decision is made
 * on the route that matched, never on the request text, so no spelling of a path (percent-encoded,
 * absolute-form, dot segments) reaches a handler without the token. Must be installed before routes.
 */
export function installTokenGate(app: FastifyInstance, token: string): void {
  const guard: onRequestHookHandler = async (request, reply) => {
    if (!tokenMatches(token, presentedToken(request.headers, request.url))) return reply.status(401).send(UNAUTHORIZED);
  };
  const routes: GatedRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? '';
    const guarded = isGuardedRoute(url);
    for (const method of [route.method].flat()) routes.push({ method, url, guarded });
    if (!guarded) return;
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [guard, ...existing];
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
