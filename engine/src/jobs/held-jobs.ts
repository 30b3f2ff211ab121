import { Worker, type Job, type RedisOptions } from 'bullmq';
import type { GenerateJobData } from './job-types.ts';

/**
 * Readers of the queues a worker fetches jobs from by hand (getNextJob, as the GPU and CPU slots
 * do): one processor-less BullMQ Worker per queue, made when first read, each running the
 * stalled-job check so a job whose worker died is taken up again.
 */
export class QueueReaders {
  readonly #workers = new Map<string, Worker<GenerateJobData>>();

  constructor(
    private readonly redis: RedisOptions,
    private readonly lockDurationMs: number,
  ) {}

  #reader(name: string): Worker<GenerateJobData> {
    let worker = this.#workers.get(name);
    if (!worker) {
      worker = new Worker<GenerateJobData>(name, null, {
        connection: this.redis,
        lockDuration: this.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(this.lockDurationMs / 2)),
        maxStalledCount: 3,
      });
      worker.on('error', () => undefined);
      void worker.startStalledCheckTimer().catch(() => undefined);
      this.#workers.set(name, worker);
    }
    return worker;
  }

  /** The next waiting job of a queue, locked with this token, or undefined (never blocks). */
  async next(name: string, token: string): Promise<Job<GenerateJobData> | undefined> {
    return ((await this.#reader(name)
      .getNextJob(token, { block: false })
      .catch(() => undefined)) ?? undefined) as Job<GenerateJobData> | undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((w) => w.close()));
  }
}

/**
 * Runs a job fetched by hand with its lock renewed while it runs, then completes or fails it in
 * BullMQ (which retries it or not, as for any job: an UnrecoverableError is not retried).
 */
export async function runHeld(job: Job<GenerateJobData>, token: string, lockDurationMs: number, work: () => Promise<unknown>): Promise<void> {
  const renew = setInterval(() => void job.extendLock(token, lockDurationMs).catch(() => undefined), Math.floor(lockDurationMs / 3));
  try {
    const result = await work();
    await job.moveToCompleted(result, token, false).catch(() => undefined);
  } catch (error) {
    await job.moveToFailed(error as Error, token, false).catch(() => undefined);
  } finally {
    clearInterval(renew);
  }
}
