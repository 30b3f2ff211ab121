// `npm run worker`: a standalone generation worker joining the studio through REDIS_URL (the
// distributed shape). With ENGINE_URL it is stateless: it shares no disk with the engine and works
// on per-job clones over git (docs/architecture.md#stateless-workers); without it, it needs the
// workspace the engine uses (STUDIO_HOME, shared storage).
import { hostname } from 'node:os';
import { workspaceAt } from '../projects/workspace.ts';
import { DockerBackend } from '../runner/docker-backend.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import { startGenerationWorker } from './generation-worker.ts';
import { startRenderWorker } from './render-job.ts';
import { chooseRenderer } from '../assembly/render/index.ts';
import { redisOptions } from './redis-connection.ts';
import { detectGpus } from './worker-capacity.ts';
import { loadSettings } from '../settings/index.ts';
import { startTrainingWorker } from '../assets/training-worker.ts';

async function main() {
  // The one read of the environment (engine/src/settings names every variable).
  const settings = loadSettings(process.env);
  if (!settings.redisUrl) throw new Error('set REDIS_URL to the Redis the engine uses (e.g. redis://studio-host:6379 or unix:///path/redis.sock)');
  const catalogue = new PipelineCatalogue(settings.pipelineRoots);
  for (const problem of catalogue.problems) console.warn(`pipeline ${problem.dir} skipped: ${problem.message}`);
  const gpus = await detectGpus(settings);
  const backends = [
    new DockerBackend({ socketPath: settings.dockerSocket, modelsDir: settings.modelsDir }),
    new ProcessBackend({ gpus: gpus.length > 0, path: settings.path, home: settings.home, modelsDir: settings.modelsDir, warm: settings.warmStart }),
  ];
  const name = settings.workerName ?? `${hostname()}:${process.pid}`;
  const worker = await startGenerationWorker({
    gpus,
    workspace: workspaceAt(settings.studioHome),
    redis: redisOptions({ url: settings.redisUrl }),
    catalogue,
    backends,
    preference: settings.backend,
    concurrency: settings.concurrency,
    lockDurationMs: settings.lockDurationMs,
    name,
    heartbeatTtlMs: settings.heartbeatTtlMs,
    pipelinesRefreshMs: settings.pipelinesRefreshMs,
    ...(settings.engineUrl ? { stateless: { engineUrl: settings.engineUrl, path: settings.path, home: settings.home } } : {}),
  });
  if (settings.engineUrl) {
    // Training and final renders still read the project from the workspace: a stateless worker takes generations only.
    console.log(
      `Studio worker ${worker.name} ready (stateless, engine ${settings.engineUrl}): GPUs ${gpus.map((g) => `${g.id}:${g.vramGB} GB`).join(', ') || 'none (CPU only)'}`,
    );
    const stop = async () => {
      await worker.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    return;
  }
  // LoRA training: one run at a time, of the trainers this worker can start (GPU presets where a GPU here holds them).
  const trainingWorker = await startTrainingWorker({
    workspace: workspaceAt(settings.studioHome),
    redis: redisOptions({ url: settings.redisUrl }),
    catalogue,
    backends,
    preference: settings.backend,
    lockDurationMs: settings.lockDurationMs,
    cancelGraceMs: settings.trainCancelGraceMs,
    name,
    gpus,
    sharedGpus: { gpus: worker.gpus, onChange: () => void worker.beat() },
    pipelinesRefreshMs: settings.pipelinesRefreshMs,
  });
  // Final renders are CPU work: every worker takes them.
  const renderWorker = startRenderWorker({
    workspace: workspaceAt(settings.studioHome),
    redis: redisOptions({ url: settings.redisUrl }),
    renderer: (backend) => chooseRenderer({ backend }),
  });
  const gpuText = gpus.length ? gpus.map((g) => `${g.id}:${g.vramGB} GB`).join(', ') : 'none (CPU only)';
  console.log(
    `Studio worker ${worker.name} ready: GPUs ${gpuText}; ${catalogue.all().length} pipelines, backend ${settings.backend}, CPU slots ${settings.concurrency}`,
  );
  const stop = async () => {
    await renderWorker.close();
    await trainingWorker.close();
    await worker.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  console.error(`Studio worker cannot start: ${(error as Error).message}`);
  process.exit(1);
});
