import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isLoopbackHost } from '../config.ts';
import { StudioError } from '../errors.ts';
import { requireGitAndLfs } from '../health/require-git-lfs.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { markCleanStop, recoverWorkspace } from '../projects/recover-workspace.ts';
import { workspaceIndex } from '../projects/index/workspace-index.ts';
import { MaintenanceScheduler } from '../projects/git-maintenance.ts';
import { ensureWorkspace, listProjectIds, workspaceAt } from '../projects/workspace.ts';
import { lockWorkspace } from '../projects/workspace-lock.ts';
import { buildApp } from './app.ts';
import { NO_FEATURES } from './context.ts';
import { RoomRegistry } from '../sync/room-registry.ts';
import { startJobSystem } from '../jobs/job-system.ts';
import { assetSystem } from '../assets/asset-system.ts';
import { startPrivateRedis } from '../jobs/private-redis.ts';
import { redisOptions } from '../jobs/redis-connection.ts';
import { generationHandlers } from '../jobs/ws-generation.ts';
import { DockerBackend } from '../runner/docker-backend.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import { loadSettings } from '../settings/index.ts';

/** What `npm start` runs (main.ts loads it from the engine bundle): settings, workspace, jobs, the HTTP app; listens, then recovers and warms in the background. */
export async function startEngine(): Promise<void> {
  // The one read of the environment: everything below gets what it needs from these settings.
  const settings = loadSettings(process.env);
  await requireGitAndLfs();

  const workspace = workspaceAt(settings.studioHome);
  await ensureWorkspace(workspace);
  const unlock = await lockWorkspace(workspace);

  // In multi-user mode signed-in users' tokens replace the startup token.
  const token = settings.auth === 'users' || isLoopbackHost(settings.host) ? null : randomBytes(24).toString('base64url');
  const queue = new GitQueue();
  // Queued before anything else can reach a project, then run in the background while the engine starts and answers.
  const recovery = await recoverWorkspace(workspace, queue, (line) => console.log(line));
  const index = workspaceIndex(workspace);
  // A workspace with no saved index (the first start after an upgrade) builds it while the rest starts, not in the first list.
  void index.warm().catch(() => undefined);
  const maintenance = new MaintenanceScheduler(workspace, queue);
  const rooms = new RoomRegistry(workspace, queue);
  const catalogue = new PipelineCatalogue(settings.pipelineRoots);
  for (const problem of catalogue.problems) console.warn(`pipeline ${problem.dir} skipped: ${problem.message}`);
  const backends = [
    new DockerBackend({ socketPath: settings.dockerSocket, modelsDir: settings.modelsDir }),
    new ProcessBackend({ path: settings.path, home: settings.home, modelsDir: settings.modelsDir, warm: settings.warmStart }),
  ];
  const redis = settings.redisUrl ? null : await startPrivateRedis(workspace.home);
  const redisConnection = redisOptions(redis ? { socketPath: redis.socketPath } : { url: settings.redisUrl });
  const assets = assetSystem({
    workspace,
    queue,
    templatesDir: join(settings.repoRoot, 'templates'),
    catalogue,
    backends,
    redis: redisConnection,
    preference: settings.backend,
    lockDurationMs: settings.lockDurationMs,
    cancelGraceMs: settings.trainCancelGraceMs,
  });
  const jobs = await startJobSystem({
    settings,
    workspace,
    queue,
    rooms,
    catalogue,
    backends,
    kinds: assets.kinds,
    prepareGeneration: assets.prepareGeneration,
    inProcessWorkers: assets.workers,
    redis: redisConnection,
    inProcessWorker: settings.inProcessWorker,
    preference: settings.backend,
    concurrency: settings.concurrency,
    lockDurationMs: settings.lockDurationMs,
    // Started once the engine answers (about 0.1 s of a start); dispatch waits for them meanwhile.
    deferWorkers: true,
  });
  const app = await buildApp(
    {
      workspace,
      queue,
      rooms,
      templatesDir: join(settings.repoRoot, 'templates'),
      webBuildDir: join(settings.repoRoot, 'web', 'build'),
      token,
      features: { ...NO_FEATURES, generation: true, edl: true, render: true, training: true },
      catalogue,
      backends,
      tasks: jobs.tasks,
      jobTokens: jobs.jobTokens,
      assets: assets.system,
      settings,
    },
    { generation: generationHandlers(jobs.tasks) },
  );
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const shownHost = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`;
  console.log(`Studio engine listening: ${url}`);
  console.log(`Workspace: ${workspace.home}`);
  if (token) console.log('Bound beyond loopback: every /api and /ws request needs the token in the URL above.');
  if (settings.auth === 'users')
    console.log(`Multi-user mode: sign in at http://${shownHost}:${port}/signin (add users with npm run user -- add NAME --tenant T --password P)`);
  jobs.startWorkers().catch(cannotStart);
  let recovered = false;
  const recoveryStarted = performance.now();
  void recovery.done.then(async () => {
    recovered = true;
    console.log(
      recovery.afterCleanStop
        ? 'Recovery: none needed after a clean stop'
        : `Recovery done: ${recovery.projects} projects checked in ${((performance.now() - recoveryStarted) / 1000).toFixed(1)} s`,
    );
    await index.warm();
    maintenance.checkProjects(await listProjectIds(workspace));
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await app.close();
    assets.system.hub.close();
    await jobs.close();
    await maintenance.close();
    await index.save();
    await redis?.stop();
    // Only a stop with every project recovered and no git operation left spares the next start its recovery.
    if (recovered) {
      await queue.idle();
      await markCleanStop(workspace);
    }
    await unlock();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Starts the engine; a start-up that fails says why and exits non-zero. */
export function runEngine(): void {
  startEngine().catch(cannotStart);
}

function cannotStart(error: unknown): never {
  if (error instanceof StudioError) console.error(`Studio engine cannot start: ${error.message}`);
  else console.error('Studio engine cannot start:', error);
  process.exit(1);
}
