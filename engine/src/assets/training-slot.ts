import { randomUUID } from 'node:crypto';
import type { Job, RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { QueueReaders, runHeld } from '../jobs/held-jobs.ts';
import { jobAddedWaker } from '../jobs/job-added.ts';
import { QueueListing } from '../jobs/queue-discovery.ts';
import type { GpuInfo } from '../jobs/worker-capacity.ts';
import type { GpuState } from '../jobs/worker-registry.ts';
import { TRAIN_QUEUE_META_PATTERN, parseTrainQueue, type TrainQueue } from './training-queues.ts';
import type { TrainJobData } from './training-types.ts';

export interface TrainingSlotOptions {
  redis: RedisOptions;
  lockDurationMs: number;
  /**
   * This worker's GPUs: GPU presets' queues are read only when one of them holds the preset. The
   * same objects as its generation slots' (gpu-slots.ts): a run's hold on a GPU is one of its
   * `jobs`, so those slots give it no VRAM the run needs, and the worker's heartbeat shows it.
   */
  gpus: GpuState[];
  /** Whether this worker can start a trainer now (its queue is read only while it can). */
  canStart: (pipelineId: string) => boolean;
  /** Whether a trainer needs its GPU to itself (its manifest is not `shareable`): it then holds the whole card. */
  holdsWholeCard?: (pipelineId: string) => boolean;
  /** Told whenever a run takes or gives back a GPU (for the heartbeat). */
  onGpuChange?: () => void;
  /** Runs a training job (on a GPU for a GPU preset); resolves with its result or rejects. */
  run: (job: Job<TrainJobData>, gpu: GpuInfo | null) => Promise<unknown>;
}

/** The GPU a preset's run goes on: the smallest here that holds it, one with room now first (else it waits there). */
export function gpuFor(gpus: GpuState[], vramGB: number, wholeCard: boolean): GpuState | null {
  const holding = [...gpus].sort((a, b) => a.vramGB - b.vramGB).filter((g) => g.vramGB >= vramGB);
  return holding.find((g) => roomFor(g, wholeCard ? g.vramGB : vramGB, [])) ?? holding[0] ?? null;
}

/** Whether a GPU has `vramGB` free besides the jobs in `except` (a whole-card hold needs it idle). */
function roomFor(gpu: GpuState, vramGB: number, except: GpuState['jobs']): boolean {
  const others = gpu.jobs.filter((j) => !except.includes(j));
  return gpu.vramGB - others.reduce((sum, j) => sum + j.vramGB, 0) >= vramGB;
}

/** How often a run holding a GPU looks whether the generations already on it have ended. */
const DRAIN_POLL_MS = 100;

/**
 * A worker's training slot: one run at a time, taken by hand (getNextJob) only from the queues of
 * the trainers this worker can start, GPU presets first (biggest first) when a GPU here holds them,
 * then the CPU trainers, with the job's lock renewed while it runs. So a worker that dies mid-run
 * has its job taken up again by the stalled-job check, by any worker able to run it, which resumes
 * from the checkpoint left in the task's folder. An idle slot polls with backoff and wakes at once
 * when the engine says it queued a run.
 */
export async function startTrainingSlot(options: TrainingSlotOptions) {
  const redis = new Redis(options.redis as IORedisOptions);
  redis.on('error', () => undefined);
  const readers = new QueueReaders(options.redis, options.lockDurationMs);
  const listing = new QueueListing(redis, TRAIN_QUEUE_META_PATTERN);
  const biggest = Math.max(0, ...options.gpus.map((g) => g.vramGB));
  let running = true;
  let current: string | null = null;
  const waker = await jobAddedWaker(
    options.redis,
    (queue) => parseTrainQueue(queue) !== null,
    () => listing.invalidate(),
  );

  /** The training queues this worker may read now, GPU presets biggest first, then the CPU ones. */
  async function readable(): Promise<TrainQueue[]> {
    const queues = (await listing.names())
      .map(parseTrainQueue)
      .filter((q): q is TrainQueue => q !== null && q.vramGB <= biggest && options.canStart(q.pipeline));
    return queues.sort((a, b) => b.vramGB - a.vramGB || a.name.localeCompare(b.name));
  }

  /** Waits until the generations that were already on the GPU when the run took it leave it room (none start meanwhile). */
  async function drain(job: Job<TrainJobData>, gpu: GpuState, hold: GpuState['jobs'][number]): Promise<void> {
    let told = false;
    while (!roomFor(gpu, hold.vramGB, [hold])) {
      if (!told) {
        const others = gpu.jobs.filter((j) => j !== hold);
        await job
          .updateProgress({
            progress: 0,
            phase: 'waiting',
            step: `Waiting for GPU ${gpu.id}: ${others.length} generation${others.length === 1 ? '' : 's'} still running on it`,
          })
          .catch(() => undefined);
        told = true;
      }
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
  }

  const loop = (async () => {
    let idle = 0;
    while (running) {
      waker.look();
      const token = randomUUID();
      let taken: { job: Job<TrainJobData>; queue: TrainQueue } | null = null;
      for (const queue of await readable()) {
        const job = (await readers.next(queue.name, token)) as unknown as Job<TrainJobData> | undefined;
        if (job) {
          taken = { job, queue };
          break;
        }
      }
      if (!taken) {
        idle = Math.min(idle + 1, 5);
        await waker.wait(25 * 2 ** idle);
        continue;
      }
      idle = 0;
      const { job, queue } = taken;
      current = job.id!;
      const wholeCard = queue.vramGB > 0 && (options.holdsWholeCard?.(queue.pipeline) ?? true);
      const gpu = queue.vramGB ? gpuFor(options.gpus, queue.vramGB, wholeCard) : null;
      // Held at once, in the same turn the job was taken: from here no generation slot gives this VRAM away.
      const hold = gpu ? { jobId: job.id!, pipeline: queue.pipeline, vramGB: wholeCard ? gpu.vramGB : queue.vramGB, since: new Date().toISOString() } : null;
      if (gpu && hold) {
        gpu.jobs.push(hold);
        options.onGpuChange?.();
      }
      // runHeld is typed for generation jobs; it only renews the lock and completes or fails the job.
      await runHeld(job as unknown as Parameters<typeof runHeld>[0], token, options.lockDurationMs, async () => {
        if (gpu && hold) await drain(job, gpu, hold);
        return options.run(job, gpu);
      }).finally(() => {
        current = null;
        if (gpu && hold) {
          gpu.jobs.splice(gpu.jobs.indexOf(hold), 1);
          options.onGpuChange?.();
        }
      });
    }
  })();

  return {
    /** The training run this worker holds now, if any. */
    get job(): string | null {
      return current;
    },
    async close() {
      running = false;
      waker.close();
      await loop;
      await readers.close();
      redis.disconnect();
    },
  };
}
