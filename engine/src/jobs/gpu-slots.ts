import { randomUUID } from 'node:crypto';
import { Worker, type Job, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { PipelineMeasurement } from '../runner/progress-lines.ts';
import { GPU_QUEUE_META_PATTERN, parseGpuQueue, queueNameOfMetaKey, type GpuQueue } from './gpu-tiers.ts';
import type { GenerateJobData } from './job-types.ts';
import { VramProfiles } from './vram-profile.ts';
import type { GpuState } from './worker-registry.ts';

export interface GpuSlotsOptions {
  redis: RedisOptions;
  gpus: GpuState[];
  lockDurationMs: number;
  /** Whether this worker can start a pipeline now (its queues are read only while it can). */
  canStart: (pipelineId: string) => boolean;
  /** This worker's name, for the profile's samples. */
  worker: string;
  /** Runs a job on the given GPU; resolves with its result or rejects (BullMQ then retries or fails it). */
  run: (job: Job<GenerateJobData>, gpu: GpuState, signal: AbortSignal) => Promise<unknown>;
  /** Told whenever a GPU starts or ends a job (for the heartbeat). */
  onChange?: () => void;
}

/** How often the GPU queues in Redis are listed again (a queue appears when its first job is dispatched). */
const DISCOVER_MS = 1000;

/**
 * One slot per GPU, taking jobs from the tier queues it can hold of the pipelines this worker can
 * start, biggest tier first, so a big GPU is not busy with a small job while a job only it can
 * run waits. A GPU runs one job at a time, or several shareable ones whose VRAM together fits.
 * Jobs are fetched by hand from BullMQ (getNextJob) with their locks renewed while they run, so a
 * worker that dies mid-job has its job taken up again by the stalled-job check. Each finished job's
 * measured peak and wall time go into the pipeline's observed profile.
 */
export async function startGpuSlots(options: GpuSlotsOptions) {
  const biggest = Math.max(0, ...options.gpus.map((g) => g.vramGB));
  const redis = new Redis(options.redis as IORedisOptions);
  const profiles = new VramProfiles(redis);
  const workers = new Map<string, Worker<GenerateJobData>>();
  let queues: GpuQueue[] = [];
  let discoveredAt = 0;

  const workerFor = (name: string) => {
    let worker = workers.get(name);
    if (!worker) {
      worker = new Worker<GenerateJobData>(name, null, {
        connection: options.redis,
        lockDuration: options.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
        maxStalledCount: 3,
      });
      worker.on('error', () => undefined);
      void worker.startStalledCheckTimer().catch(() => undefined);
      workers.set(name, worker);
    }
    return worker;
  };

  /** The GPU queues that exist, of a tier some GPU here holds, biggest first. */
  async function discover(): Promise<GpuQueue[]> {
    if (Date.now() - discoveredAt < DISCOVER_MS) return queues;
    discoveredAt = Date.now();
    const found: GpuQueue[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', GPU_QUEUE_META_PATTERN, 'COUNT', 1000).catch(() => ['0', [] as string[]] as const);
      cursor = next;
      for (const key of keys) {
        const queue = parseGpuQueue(queueNameOfMetaKey(key) ?? '');
        if (queue && queue.tier <= biggest) found.push(queue);
      }
    } while (cursor !== '0');
    queues = found.sort((a, b) => b.tier - a.tier || Number(a.shareable) - Number(b.shareable) || a.name.localeCompare(b.name));
    return queues;
  }

  const controllers = new Map<string, AbortController>();
  let running = true;

  async function take(gpu: GpuState, token: string): Promise<{ job: Job<GenerateJobData>; vramGB: number } | null> {
    const used = gpu.jobs.reduce((sum, j) => sum + j.vramGB, 0);
    const free = gpu.vramGB - used;
    for (const q of await discover()) {
      // An idle GPU takes anything it can hold; a shared one only more shareable work that fits.
      if (q.tier > free || (gpu.jobs.length > 0 && !q.shareable) || !options.canStart(q.pipeline)) continue;
      const job = (await workerFor(q.name).getNextJob(token, { block: false }).catch(() => undefined)) as Job<GenerateJobData> | undefined;
      if (job) return { job, vramGB: q.tier };
    }
    return null;
  }

  async function process(gpu: GpuState, job: Job<GenerateJobData>, token: string, vramGB: number) {
    const controller = new AbortController();
    controllers.set(job.id!, controller);
    const entry = { jobId: job.id!, pipeline: job.data.pipelineId, vramGB, since: new Date().toISOString() };
    gpu.jobs.push(entry);
    options.onChange?.();
    const renew = setInterval(() => void job.extendLock(token, options.lockDurationMs).catch(() => undefined), Math.floor(options.lockDurationMs / 3));
    try {
      const result = await options.run(job, gpu, controller.signal);
      const { measurement, runMs } = (result ?? {}) as { measurement?: PipelineMeasurement | null; runMs?: number };
      await profiles
        .record(job.data.pipelineId, job.data.quality, {
          peakVramMB: measurement?.peakVramMB ?? null,
          wallMs: measurement?.wallMs ?? runMs ?? 0,
          worker: options.worker,
          gpuVramGB: gpu.vramGB,
          at: new Date().toISOString(),
        })
        .catch(() => undefined);
      await job.moveToCompleted(result, token, false).catch(() => undefined);
    } catch (error) {
      await job.moveToFailed(error as Error, token, false).catch(() => undefined);
    } finally {
      clearInterval(renew);
      controllers.delete(job.id!);
      gpu.jobs.splice(gpu.jobs.indexOf(entry), 1);
      options.onChange?.();
    }
  }

  const loops = options.gpus.map(async (gpu) => {
    const inFlight = new Set<Promise<void>>();
    let idle = 0;
    while (running) {
      const token = randomUUID();
      const next = await take(gpu, token);
      if (!next) {
        idle = Math.min(idle + 1, 5);
        await new Promise((r) => setTimeout(r, 25 * 2 ** idle));
        continue;
      }
      idle = 0;
      const done = process(gpu, next.job, token, next.vramGB);
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
      // Exclusive work: wait for it; shareable work: look for more that fits while it runs.
      if (!next.job.data.shareable) await done;
    }
    await Promise.all(inFlight);
  });

  return {
    cancel(jobId: string): boolean {
      const controller = controllers.get(jobId);
      controller?.abort();
      return controller !== undefined;
    },
    async close() {
      running = false;
      await Promise.all(loops);
      await Promise.all([...workers.values()].map((w) => w.close()));
      redis.disconnect();
    },
  };
}
