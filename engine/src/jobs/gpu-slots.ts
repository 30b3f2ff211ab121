import { randomUUID } from 'node:crypto';
import type { Job, RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { PipelineMeasurement } from '../runner/progress-lines.ts';
import { GPU_QUEUE_META_PATTERN, parseGpuQueue, type GpuQueue } from './gpu-tiers.ts';
import { QueueReaders, runHeld } from './held-jobs.ts';
import { QueueListing } from './queue-discovery.ts';
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
  const readers = new QueueReaders(options.redis, options.lockDurationMs);
  const listing = new QueueListing(redis, GPU_QUEUE_META_PATTERN, DISCOVER_MS);

  /** The GPU queues that exist, of a tier some GPU here holds, biggest first. */
  async function discover(): Promise<GpuQueue[]> {
    const found = (await listing.names()).map(parseGpuQueue).filter((q): q is GpuQueue => q !== null && q.tier <= biggest);
    return found.sort((a, b) => b.tier - a.tier || Number(a.shareable) - Number(b.shareable) || a.name.localeCompare(b.name));
  }

  const controllers = new Map<string, AbortController>();
  let running = true;

  async function take(gpu: GpuState, token: string): Promise<{ job: Job<GenerateJobData>; vramGB: number } | null> {
    const used = gpu.jobs.reduce((sum, j) => sum + j.vramGB, 0);
    const free = gpu.vramGB - used;
    for (const q of await discover()) {
      // An idle GPU takes anything it can hold; a shared one only more shareable work that fits.
      if (q.tier > free || (gpu.jobs.length > 0 && !q.shareable) || !options.canStart(q.pipeline)) continue;
      const job = await readers.next(q.name, token);
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
    await runHeld(job, token, options.lockDurationMs, async () => {
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
      return result;
    }).finally(() => {
      controllers.delete(job.id!);
      gpu.jobs.splice(gpu.jobs.indexOf(entry), 1);
      options.onChange?.();
    });
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
      await readers.close();
      redis.disconnect();
    },
  };
}
