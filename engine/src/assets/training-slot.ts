import { randomUUID } from 'node:crypto';
import type { Job, RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { QueueReaders, runHeld } from '../jobs/held-jobs.ts';
import { jobAddedWaker } from '../jobs/job-added.ts';
import { QueueListing } from '../jobs/queue-discovery.ts';
import type { GpuInfo } from '../jobs/worker-capacity.ts';
import { TRAIN_QUEUE_META_PATTERN, parseTrainQueue, type TrainQueue } from './training-queues.ts';
import type { TrainJobData } from './training-types.ts';

export interface TrainingSlotOptions {
  redis: RedisOptions;
  lockDurationMs: number;
  /** This worker's GPUs: GPU presets' queues are read only when one of them holds the preset. */
  gpus: GpuInfo[];
  /** Whether this worker can start a trainer now (its queue is read only while it can). */
  canStart: (pipelineId: string) => boolean;
  /** Runs a training job (on a GPU for a GPU preset); resolves with its result or rejects. */
  run: (job: Job<TrainJobData>, gpu: GpuInfo | null) => Promise<unknown>;
}

/** The GPU a preset's run goes on: the smallest here that holds it. */
function gpuFor(gpus: GpuInfo[], vramGB: number): GpuInfo | null {
  return [...gpus].sort((a, b) => a.vramGB - b.vramGB).find((g) => g.vramGB >= vramGB) ?? null;
}

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
      const gpu = queue.vramGB ? gpuFor(options.gpus, queue.vramGB) : null;
      // runHeld is typed for generation jobs; it only renews the lock and completes or fails the job.
      await runHeld(job as unknown as Parameters<typeof runHeld>[0], token, options.lockDurationMs, () => options.run(job, gpu)).finally(
        () => (current = null),
      );
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
