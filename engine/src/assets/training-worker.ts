import { hostname } from 'node:os';
import { copyFile, cp, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, UnrecoverableError, type Job, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { StudioError } from '../errors.ts';
import { listenForCancels } from '../jobs/cancel-listener.ts';
import { jobsDir } from '../jobs/generation-worker.ts';
import type { GpuInfo } from '../jobs/worker-capacity.ts';
import type { GpuState } from '../jobs/worker-registry.ts';
import { StartablePipelines } from '../jobs/worker-pipelines.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import { chooseBackend, type BackendPreference } from '../runner/choose-backend.ts';
import { PipelineCancelledError } from '../runner/errors.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { Workspace } from '../projects/workspace.ts';
import { libraryRoot } from './asset-library.ts';
import { makeTrainingJobFolder } from './training-job-folder.ts';
import { sampleUrl } from './training-kind.ts';
import { LORA_VERSIONS_QUEUE, curveKey, samplesKey, type LoraVersionJobData, TrainJobData } from './training-types.ts';
import { startTrainingSlot } from './training-slot.ts';
import { parseJobData } from '../jobs/parse-job-data.ts';

export interface TrainingWorkerOptions {
  workspace: Workspace;
  redis: RedisOptions;
  catalogue: PipelineCatalogue;
  backends: RunnerBackend[];
  preference?: BackendPreference;
  lockDurationMs?: number;
  /** After a cancel asks the trainer to stop (flag file, then SIGINT), how long before it is killed. */
  cancelGraceMs?: number;
  name?: string;
  /** This worker's GPUs (from detectGpus): GPU presets run only where one holds them. */
  gpus?: GpuInfo[];
  /**
   * The same GPUs as this worker's generation slots hold them (generation-worker.ts `gpus`): a
   * run then reserves its GPU there, so no generation is given the VRAM it trains with, and the
   * heartbeat shows the reservation. Without them the run reserves against nothing else.
   */
  sharedGpus?: { gpus: GpuState[]; onChange?: () => void };
  /** How often the trainers it can start are looked at again (WORKER_PIPELINES_REFRESH_MS). */
  pipelinesRefreshMs?: number;
}

/** Follows the trainer's events.jsonl (every field of each progress line) from where it was last read. */
function tailEvents(path: string, onEvent: (event: Record<string, unknown>) => Promise<void>) {
  let offset = 0;
  let rest = '';
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const handle = await open(path, 'r').catch(() => null);
      if (!handle) return;
      try {
        const { size } = await handle.stat();
        if (size <= offset) return;
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        rest += buffer.toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          try {
            await onEvent(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // a line that is not JSON: ignored, like any other pipeline output
          }
        }
      } finally {
        await handle.close();
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), 150);
  return { stop: async () => (clearInterval(timer), await poll()) };
}

/**
 * Drops the loss-curve points at and after a step: a run taken up again after its worker died
 * restarts at its last checkpoint and tells those steps again, so the chart shows each step once.
 */
async function trimCurveFrom(redis: Redis, taskId: string, step: number): Promise<void> {
  const kept = (await redis.lrange(curveKey(taskId), 0, -1)).filter((point) => (JSON.parse(point) as [number, number])[0] < step);
  const multi = redis.multi().del(curveKey(taskId));
  if (kept.length) multi.rpush(curveKey(taskId), ...kept);
  await multi.exec();
}

/**
 * A training worker: takes training jobs only from the queues of the trainers it can start
 * (training-slot.ts), prepares the dataset, runs the trainer pipeline on a
 * backend in the task's own folder (kept across attempts, so a worker killed mid-run leaves its
 * checkpoint for the next), relays step, loss and samples, and hands the LoRA to the engine.
 * Cancel: a flag file the trainer checks each step, then SIGINT/kill after a grace period.
 */
export async function startTrainingWorker(options: TrainingWorkerOptions) {
  const { workspace, catalogue, backends } = options;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const grace = options.cancelGraceMs ?? 15_000;
  const versions = new Queue<LoraVersionJobData>(LORA_VERSIONS_QUEUE, { connection: options.redis });
  const redis = new Redis(options.redis as IORedisOptions);
  const cancels = new Map<string, () => void>();

  const run = async (job: Job<TrainJobData>, gpu: GpuInfo | null) => {
    const data = parseJobData(TrainJobData, job);
    const taskDir = join(jobsDir(workspace), job.id!);
    const runDir = join(taskDir, 'run');
    const stateDir = join(taskDir, 'state');
    const startedAt = new Date();
    const handedOver = await versions.getJob(`version-${job.id}`);
    if (handedOver) return { resumed: true };
    await mkdir(taskDir, { recursive: true });
    // A run killed mid-way left its state inside the job folder: keep it.
    if (await stat(join(runDir, 'state')).catch(() => null)) {
      await rm(stateDir, { recursive: true, force: true });
      await rename(join(runDir, 'state'), stateDir);
    }
    // Resuming another task: a copy of its whole state (the draft trainer's checkpoint.pt, a GPU trainer's state folders), which stays as it was.
    if (data.resumeFrom && !(await readdir(stateDir).catch(() => [])).length) {
      const previous = join(jobsDir(workspace), data.resumeFrom, 'state');
      if (await stat(previous).catch(() => null)) await cp(previous, stateDir, { recursive: true });
    }
    await job.updateProgress({ progress: 0, step: 'Preparing dataset', phase: 'preparing' });
    const pipeline = catalogue.get(data.pipelineId);
    const backend = await chooseBackend(pipeline, backends, options.preference);
    const folder = await makeTrainingJobFolder({ libraryRoot: libraryRoot(workspace, data.tenant), data, pipeline, taskId: job.id!, taskDir, runDir });
    if (await stat(stateDir).catch(() => null)) await rename(stateDir, join(runDir, 'state'));
    const samplesDir = join(libraryRoot(workspace, job.data.tenant), '.samples', job.id!);
    await mkdir(samplesDir, { recursive: true });
    const abort = new AbortController();
    let cancelRequested = false;
    cancels.set(job.id!, () => {
      cancelRequested = true;
      void writeFile(join(runDir, 'cancel'), 'cancelled by the user\n').catch(() => undefined);
      setTimeout(() => abort.abort(), grace).unref();
    });
    let last = 0;
    let firstStep = true;
    const events = tailEvents(join(runDir, 'events.jsonl'), async (event) => {
      const progress = typeof event.progress === 'number' ? Math.round(event.progress * 1000) / 10 : 0;
      let sample: string | undefined;
      if (typeof event.sample === 'string' && /^samples\/step_\d{6}\.png$/.test(event.sample)) {
        const file = event.sample.slice('samples/'.length);
        await copyFile(join(runDir, 'out', event.sample), join(samplesDir, file));
        sample = sampleUrl(data.assetId, job.id!, file);
        await redis.rpush(samplesKey(job.id!), JSON.stringify({ step: event.train_step, url: sample }));
      }
      if (typeof event.loss === 'number' && typeof event.train_step === 'number') {
        if (firstStep) await trimCurveFrom(redis, job.id!, event.train_step);
        firstStep = false;
        await redis.rpush(curveKey(job.id!), JSON.stringify([event.train_step, event.loss]));
      }
      // Every phase change, sample and checkpoint is told; training steps at most every 100 ms.
      if (event.phase === 'training' && Date.now() - last < 100) return;
      last = Date.now();
      await job.updateProgress({ ...event, progress, ...(sample ? { sample_url: sample } : {}) }).catch(() => undefined);
    });
    try {
      const result = await backend.run({ pipeline, job: folder, signal: abort.signal, gpus: gpu ? [gpu.id] : [] });
      await events.stop();
      const log = JSON.parse(await readFile(join(runDir, 'out', 'train_log.json'), 'utf8'));
      const loraPath = join(taskDir, 'lora.safetensors');
      await copyFile(result.outputs.lora!, loraPath);
      const finishedAt = new Date();
      await versions.add(
        'commit',
        {
          taskId: job.id!,
          request: data,
          loraPath,
          log,
          worker: name,
          backend: result.backend,
          imageDigest: result.imageDigest,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          runMs: result.durationMs,
        },
        {
          jobId: `version-${job.id}`,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 30 * 86400 },
          removeOnFail: { age: 30 * 86400 },
        },
      );
      return { backend: result.backend, runMs: result.durationMs, worker: name, steps: log.steps };
    } catch (error) {
      await events.stop();
      if (cancelRequested || error instanceof PipelineCancelledError) throw new UnrecoverableError('cancelled');
      if (error instanceof StudioError) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      cancels.delete(job.id!);
      // The checkpoint outlives the attempt (resume); the rest of the folder does not.
      if (await stat(join(runDir, 'state')).catch(() => null)) {
        await rm(stateDir, { recursive: true, force: true });
        await rename(join(runDir, 'state'), stateDir).catch(() => undefined);
      }
      await rm(runDir, { recursive: true, force: true });
    }
  };

  // What this worker can start: it reads no other trainer's queue.
  const startable = new StartablePipelines(catalogue, backends, options.preference, undefined, options.pipelinesRefreshMs);
  await startable.start();
  // Each trainer this worker can start gets its spare interpreter now (process backend, STUDIO_WARM_START): the first run does not wait for torch's import.
  for (const pipeline of catalogue.all()) {
    if (pipeline.manifest.taskType !== 'train-lora' || !startable.has(pipeline.manifest.id)) continue;
    const backend = await chooseBackend(pipeline, backends, options.preference).catch(() => null);
    backend?.prewarm?.(pipeline);
  }
  const slot = await startTrainingSlot({
    redis: options.redis,
    lockDurationMs: lockDuration,
    gpus: options.sharedGpus?.gpus ?? (options.gpus ?? []).map((g) => ({ ...g, jobs: [] })),
    canStart: (id) => startable.has(id),
    // A trainer whose manifest does not say its GPU can be shared takes the whole card.
    holdsWholeCard: (id) => !(catalogue.has(id) && catalogue.get(id).manifest.gpu.shareable),
    ...(options.sharedGpus?.onChange ? { onGpuChange: options.sharedGpus.onChange } : {}),
    run,
  });
  const stopListening = await listenForCancels(options.redis, [], (jobId) => cancels.get(jobId)?.());
  return {
    slot,
    close: async () => {
      stopListening();
      startable.stop();
      await slot.close();
      await versions.close();
      redis.disconnect();
    },
  };
}
