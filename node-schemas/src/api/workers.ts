import { z } from 'zod';

/** A job running on a GPU. */
export const GpuJob = z.object({ jobId: z.string(), pipeline: z.string(), vramGB: z.number(), since: z.string() });

export const WorkerGpu = z.object({
  /** Device id as the container runtime and CUDA_VISIBLE_DEVICES know it. */
  id: z.string(),
  name: z.string(),
  vramGB: z.number(),
  /** Jobs running on it now (several only when they are all shareable). */
  jobs: z.array(GpuJob),
});
export type WorkerGpu = z.infer<typeof WorkerGpu>;

/** GET /api/v1/workers: each live worker with its GPUs, VRAM, current jobs and last heartbeat. */
export const WorkerView = z.object({
  name: z.string(),
  host: z.string(),
  pid: z.number(),
  gpus: z.array(WorkerGpu),
  cpuSlots: z.number(),
  cpuJobs: z.array(z.string()),
  /** Pipelines this worker can start now (image built, or runnable on the host). */
  pipelines: z.array(z.string()),
  /** Why it cannot start the others (an image not built, no Docker daemon, no GPU). */
  unavailable: z.record(z.string(), z.string()),
  startedAt: z.string(),
  heartbeatAt: z.string(),
});
export type WorkerView = z.infer<typeof WorkerView>;
export const WorkerList = z.array(WorkerView);
