import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../config.ts';
import { startJobSystem } from '../jobs/job-system.ts';
import { startPrivateRedis } from '../jobs/private-redis.ts';
import { redisOptions } from '../jobs/redis-connection.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { ensureWorkspace, workspaceAt } from '../projects/workspace.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import { buildApp } from '../server/app.ts';
import { NO_FEATURES, type EngineContext } from '../server/context.ts';
import { RoomRegistry } from '../sync/room-registry.ts';
import { generationHandlers } from '../jobs/ws-generation.ts';
import { assetSystem } from '../assets/asset-system.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Settings } from '../settings/index.ts';
import { testSettings } from './test-settings.ts';
import { TEST_PIPELINES } from './test-pipelines.ts';

export { TEST_PIPELINES };

/**
 * An engine with its job system on real Redis (a private redis-server) and the pipelines plus the
 * test doubles installed, listening on loopback.
 */
export async function jobApp({
  settings = testSettings(),
  backends = [new ProcessBackend({ path: settings.path, home: settings.home })],
  inProcessWorker = true,
  concurrency = 4,
  lockDurationMs = 30_000,
}: { settings?: Settings; backends?: RunnerBackend[]; inProcessWorker?: boolean; concurrency?: number; lockDurationMs?: number } = {}) {
  const home = await mkdtemp(join(tmpdir(), 'studio-jobs-'));
  const workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  const redis = await startPrivateRedis(home);
  const queue = new GitQueue();
  const rooms = new RoomRegistry(workspace, queue, { debounceMs: 100, maxWaitMs: 1000 });
  const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), TEST_PIPELINES]);
  const connection = redisOptions({ socketPath: redis.socketPath });
  const assets = assetSystem({
    workspace,
    queue,
    templatesDir: join(REPO_ROOT, 'templates'),
    catalogue,
    backends,
    redis: connection,
    lockDurationMs,
    cancelGraceMs: settings.trainCancelGraceMs,
  });
  const jobs = await startJobSystem({
    settings,
    workspace,
    queue,
    rooms,
    catalogue,
    backends,
    redis: connection,
    inProcessWorker,
    concurrency,
    lockDurationMs,
    kinds: assets.kinds,
    inProcessWorkers: assets.workers,
    prepareGeneration: assets.prepareGeneration,
  });
  const ctx: EngineContext = {
    workspace,
    queue,
    rooms,
    templatesDir: join(REPO_ROOT, 'templates'),
    webBuildDir: join(home, 'no-web'),
    token: null,
    features: { ...NO_FEATURES, generation: true, training: true },
    catalogue,
    backends,
    tasks: jobs.tasks,
    assets: assets.system,
    settings,
  };
  const app: FastifyInstance = await buildApp(ctx, { generation: generationHandlers(jobs.tasks) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    app,
    ctx,
    base,
    home,
    redisSocket: redis.socketPath,
    connection,
    close: async () => {
      await app.close();
      assets.system.hub.close();
      await jobs.close();
      await redis.stop();
      await queue.idle();
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
