import { randomUUID } from 'node:crypto';
import type { Job, RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { CPU_QUEUE_META_PATTERN, parseCpuQueue, type CpuQueue } from './cpu-queues.ts';
import { QueueReaders, runHeld } from './held-jobs.ts';
import { jobAddedWaker } from './job-added.ts';
import type { GenerateJobData } from './job-types.ts';
import { QueueListing } from './queue-discovery.ts';

export interface CpuSlotsOptions {
  redis: RedisOptions;
  /** How many CPU jobs run at once. */
  slots: number;
  lockDurationMs: number;
  /** Whether this worker can start a pipeline now (its queue is read only while it can). */
  canStart: (pipelineId: string) => boolean;
  /** Runs a job; resolves with its result or rejects (BullMQ then retries or fails it). */
  run: (job: Job<GenerateJobData>, signal: AbortSignal) => Promise<unknown>;
  /** Told whenever a job starts or ends (for the heartbeat). */
  onChange?: () => void;
}

/**
 * A worker's CPU slots: they take jobs only from the queues of the CPU pipelines this worker can
 * start (`cpu@<pipeline>`), in turn so one busy pipeline does not starve the others, so a job is
 * never taken by a worker that would fail it for want of its image, its Docker or the pipeline.
 * Jobs are fetched by hand with their locks renewed while they run, as the GPU slots do: a worker
 * that dies mid-job has its job taken up again by the stalled-job check. An idle loop polls with
 * backoff and wakes at once when the engine says it added a CPU job.
 */
export async function startCpuSlots(options: CpuSlotsOptions) {
  const redis = new Redis(options.redis as IORedisOptions);
  redis.on('error', () => undefined);
  const readers = new QueueReaders(options.redis, options.lockDurationMs);
  const listing = new QueueListing(redis, CPU_QUEUE_META_PATTERN);
  const controllers = new Map<string, AbortController>();
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let turn = 0;
  // A pipeline's first job makes its queue: list them again when one is added.
  const waker = await jobAddedWaker(
    options.redis,
    (queue) => parseCpuQueue(queue) !== null,
    () => listing.invalidate(),
  );

  async function take(token: string): Promise<Job<GenerateJobData> | null> {
    const queues = (await listing.names()).map(parseCpuQueue).filter((q): q is CpuQueue => q !== null && options.canStart(q.pipeline));
    for (let i = 0; i < queues.length; i++) {
      const q = queues[(turn + i) % queues.length]!;
      const job = await readers.next(q.name, token);
      if (job) {
        turn = (turn + i + 1) % queues.length;
        return job;
      }
    }
    return null;
  }

  async function process(job: Job<GenerateJobData>, token: string) {
    const controller = new AbortController();
    controllers.set(job.id!, controller);
    options.onChange?.();
    await runHeld(job, token, options.lockDurationMs, () => options.run(job, controller.signal)).finally(() => {
      controllers.delete(job.id!);
      options.onChange?.();
    });
  }

  const loop = (async () => {
    let idle = 0;
    while (running) {
      if (inFlight.size >= options.slots) {
        await Promise.race(inFlight);
        continue;
      }
      const token = randomUUID();
      waker.look();
      const job = await take(token);
      if (!job) {
        idle = Math.min(idle + 1, 5);
        await waker.wait(25 * 2 ** idle);
        continue;
      }
      idle = 0;
      const done = process(job, token);
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
    }
    await Promise.all(inFlight);
  })();

  return {
    /** The CPU jobs running here now. */
    get jobs(): string[] {
      return [...controllers.keys()];
    },
    cancel(jobId: string): boolean {
      const controller = controllers.get(jobId);
      controller?.abort();
      return controller !== undefined;
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
