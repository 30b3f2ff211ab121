import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { looksLikeApiPath } from '../auth/token.ts';
import type { EngineContext } from './context.ts';
import { handleError } from './error-handler.ts';
import { installTokenGate } from './token-gate.ts';
import { metaRoutes } from './routes/meta.ts';
import { projectRoutes } from './routes/projects.ts';
import { assemblyRoutes } from './routes/assembly.ts';
import { mediaRoutes } from './routes/media.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { takeRoutes } from './routes/takes.ts';
import { taskRoutes } from './routes/tasks.ts';
import { workerRoutes } from './routes/workers.ts';
import { assetRoutes } from './routes/assets.ts';
import { mediaImportRoutes } from './routes/media-import.ts';
import { reviewRoutes } from './routes/review.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { provenanceRoutes } from './routes/provenance.ts';
import { authRoutes } from './routes/auth.ts';
import { gitHttpRoutes } from './routes/git-http.ts';
import { attachSyncServer, type GenerationHandlers } from '../sync/ws-server.ts';

/** The HTTP app: API routes, the token guard, and the built web app with an SPA fallback. */
export async function buildApp(
  ctx: EngineContext,
  { logger = false, generation }: { logger?: boolean; generation?: GenerationHandlers } = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 200 } });
  app.setErrorHandler(handleError);
  const otherUpgrades = ctx.assets ? [ctx.assets.hub.upgrade.bind(ctx.assets.hub)] : [];
  const sync = attachSyncServer({ server: app.server, rooms: ctx.rooms, token: ctx.token, generation, otherUpgrades });
  app.addHook('onClose', async () => {
    await sync.close();
    await ctx.rooms.closeAll();
  });

  installTokenGate(app, ctx);

  metaRoutes(app, ctx);
  projectRoutes(app, ctx);
  mediaRoutes(app, ctx);
  pipelineRoutes(app, ctx);
  takeRoutes(app, ctx);
  taskRoutes(app, ctx);
  assemblyRoutes(app, ctx);
  workerRoutes(app, ctx);
  await assetRoutes(app, ctx);
  await mediaImportRoutes(app, ctx);
  await reviewRoutes(app, ctx);
  await ledgerRoutes(app, ctx);
  await provenanceRoutes(app, ctx);
  await authRoutes(app, ctx);
  await gitHttpRoutes(app, ctx, { lifetimeS: ctx.settings.s3PresignTtlS });

  const hasWeb = existsSync(join(ctx.webBuildDir, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: ctx.webBuildDir, prefix: '/', wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    if (looksLikeApiPath(request.url) || request.method !== 'GET')
      return reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' });
    if (hasWeb) return reply.sendFile('index.html');
    return reply
      .type('text/html')
      .send('<!doctype html><title>Studio</title><p>The web app is not built yet. Run <code>npm start</code>, which builds it.</p>');
  });
  return app;
}
