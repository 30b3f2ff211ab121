import { randomUUID } from 'node:crypto';
import { Worker, type Job, type RedisOptions } from 'bullmq';
import { gpuQueues } from './gpu-tiers.ts';
import type { GenerateJobData } from './job-types.ts';
import type { GpuState } from './worker-registry.ts';

export interface GpuSlotsOptions {
  redis: RedisOptions;
  gpus: GpuState[];
  lockDurationMs: number;
  /** Runs a job on the given GPU; resolves with its result or rejects (BullMQ then retries or fails it). */
  run: (job: Job<GenerateJobData>, gpu: GpuState, signal: AbortSignal) => Promise<unknown>;
  /** Told whenever a GPU starts or ends a job (for the heartbeat). */
  onChange?: () => void;
}

/**
 * One slot per GPU, taking jobs from the tier queues it can hold, biggest tier first, so a big
 * GPU is not busy with a small job while a job only it can run waits. A GPU runs one job at a
 * time, or several shareable ones whose VRAM together fits. Jobs are fetched by hand from BullMQ
 * (getNextJob) with their locks renewed while they run, so a worker that dies mid-job has its
 * job taken up again by the stalled-job check.
 */
export async function startGpuSlots(options: GpuSlotsOptions) {
  const biggest = Math.max(0, ...options.gpus.map((g) => g.vramGB));
  const queues = gpuQueues().filter((q) => q.tier <= biggest);
  const workers = new Map<string, Worker<GenerateJobData>>();
  for (const q of queues) {
    const worker = new Worker<GenerateJobData>(q.name, null, {
      connection: options.redis,
      lockDuration: options.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
      maxStalledCount: 3,
    });
    worker.on('error', () => undefined);
    void worker.startStalledCheckTimer().catch(() => undefined);
    workers.set(q.name, worker);
  }
  const controllers = new Map<string, AbortController>();
  let running = true;

  async function take(gpu: GpuState, token: string): Promise<{ job: Job<GenerateJobData>; vramGB: number } | null> {
    const used = gpu.jobs.reduce((sum, j) => sum + j.vramGB, 0);
    const free = gpu.vramGB - used;
    for (const q of queues) {
      // An idle GPU takes anything it can hold; a shared one only more shareable work that fits.
      if (q.tier > free || (gpu.jobs.length > 0 && !q.shareable)) continue;
      const job = (await workers.get(q.name)!.getNextJob(token, { block: false }).catch(() => undefined)) as Job<GenerateJobData> | undefined;
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
    },
  };
}
