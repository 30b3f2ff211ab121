import type { RedisOptions } from 'bullmq';
import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import type { BackendPreference } from '../runner/choose-backend.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import type { Settings } from '../settings/index.ts';
import { startGenerationWorker } from './generation-worker.ts';
import { startRenderWorker } from './render-job.ts';
import { chooseRenderer } from '../assembly/render/index.ts';
import { detectGpus } from './worker-capacity.ts';
import { startTakeWorker } from './take-worker.ts';
import { connectS3 } from '../storage/s3-connection.ts';
import { startJobTokenIssuer } from './stateless/job-token-issuer.ts';
import { TaskService, type KindFactory } from './task-service.ts';
import { holdFleetUntil } from './worker-registry.ts';

export interface JobSystemOptions {
  /** The GPUs to offer (WORKER_GPUS, WORKER_VRAM_GB) and the heartbeat, refresh and watchdog intervals. */
  settings: Settings;
  workspace: Workspace;
  queue: GitQueue;
  rooms: RoomRegistry;
  catalogue: PipelineCatalogue;
  backends: RunnerBackend[];
  redis: RedisOptions;
  /** Run a generation worker inside the engine (the embedded default). */
  inProcessWorker: boolean;
  preference?: BackendPreference;
  concurrency?: number;
  lockDurationMs?: number;
  /** Job kinds beyond generation and render (training), each one registration. */
  kinds?: KindFactory[];
  /** Adds what other parts bring to a generation (an asset's LoRA) before it is dispatched. */
  prepareGeneration?: ConstructorParameters<typeof TaskService>[5];
  /** Workers of those kinds started inside the engine (embedded), closed with it. */
  inProcessWorkers?: Array<() => Promise<{ close(): Promise<void> }>>;
  /**
   * The in-process workers start only when `startWorkers()` is called (the engine calls it once it
   * listens); reads of the fleet wait for them meanwhile. Otherwise they are started before this resolves.
   */
  deferWorkers?: boolean;
}

/** The engine's side of the jobs: the task service, the take committer, and (embedded) a worker. */
export async function startJobSystem(options: JobSystemOptions) {
  const tasks = new TaskService(
    options.rooms,
    options.catalogue,
    options.redis,
    options.lockDurationMs,
    options.kinds,
    options.prepareGeneration,
    options.settings.dispatchWatchdogMs,
  );
  await tasks.ready();
  const takeWorker = startTakeWorker({
    workspace: options.workspace,
    queue: options.queue,
    rooms: options.rooms,
    redis: options.redis,
    s3: options.settings.s3 ? connectS3(options.settings.s3) : null,
    actorOf: async (taskId) => (await tasks.taskMeta(taskId))?.actor,
  });
  // Stateless workers' git requests carry a token of their one job (docs/architecture.md#stateless-workers).
  const jobTokens = startJobTokenIssuer({ tasks, workspace: options.workspace, redis: options.redis });
  let started: ReturnType<typeof startInProcessWorkers> | null = null;
  let release: () => void = () => undefined;
  // Dispatch, the workers route and the watchdog see the fleet as they did when these workers started before the engine listened.
  if (options.inProcessWorker && options.deferWorkers) holdFleetUntil(new Promise<void>((resolve) => (release = resolve)));
  const startWorkers = () => {
    started ??= startInProcessWorkers(options).finally(() => release());
    return started.then(() => undefined);
  };
  if (!options.deferWorkers) await startWorkers();
  return {
    tasks,
    jobTokens: jobTokens.tokens,
    /** Starts the in-process workers (deferWorkers); a failure rejects, and the engine cannot go on. */
    startWorkers,
    close: async () => {
      release();
      const workers = await started?.catch(() => null);
      if (workers) {
        for (const extra of workers.more) await extra.close();
        await workers.renderWorker?.close();
        await workers.worker?.close();
      }
      await takeWorker.close();
      await jobTokens.close();
      await tasks.close();
    },
  };
}

/** The generation and render workers and those of the other kinds, inside the engine (embedded). */
async function startInProcessWorkers(options: JobSystemOptions) {
  const worker = options.inProcessWorker
    ? await startGenerationWorker({
        gpus: await detectGpus(options.settings),
        workspace: options.workspace,
        redis: options.redis,
        catalogue: options.catalogue,
        backends: options.backends,
        preference: options.preference,
        concurrency: options.concurrency,
        lockDurationMs: options.lockDurationMs,
        name: `engine:${process.pid}`,
        heartbeatTtlMs: options.settings.heartbeatTtlMs,
        pipelinesRefreshMs: options.settings.pipelinesRefreshMs,
      })
    : null;
  const renderWorker = options.inProcessWorker
    ? startRenderWorker({ workspace: options.workspace, redis: options.redis, renderer: (backend) => chooseRenderer({ backend }) })
    : null;
  const more = options.inProcessWorker ? await Promise.all((options.inProcessWorkers ?? []).map((start) => start())) : [];
  return { worker, renderWorker, more };
}
