import type { FastifyInstance } from 'fastify';
import { describeNodeTypes, type HealthReport } from '@studio/node-schemas';
import { runnerBackend } from '../../health/runner-backend.ts';
import { toolReport } from '../../health/tool-versions.ts';
import type { EngineContext } from '../context.ts';

const HEALTH_CACHE_MS = 5000;

export function metaRoutes(app: FastifyInstance, { features, settings }: Pick<EngineContext, 'features' | 'settings'>) {
  let cached: { at: number; report: Awaited<ReturnType<typeof toolReport>> } | null = null;

  app.get('/api/v1/health', async (): Promise<HealthReport> => {
    if (!cached || Date.now() - cached.at > HEALTH_CACHE_MS) cached = { at: Date.now(), report: await toolReport(settings.dockerSocket) };
    const tools = cached.report;
    return {
      status: tools.git.present && tools['git-lfs'].present ? 'ok' : 'degraded',
      tools,
      runner: runnerBackend({ preference: settings.backend, dockerDaemon: tools.docker.daemon }),
      features,
    };
  });

  const nodeTypes = describeNodeTypes();
  app.get('/api/v1/node-types', async () => nodeTypes);
}
