import { Queue, type JobState, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { GENERATE_QUEUE } from './job-types.ts';
import { generationQueueNames } from './queue-discovery.ts';

/**
 * A generation job's state whichever queue holds it: any CPU queue (per pipeline), any GPU queue
 * (per tier and pipeline), found in Redis as they appear, or the old shared CPU queue. For code
 * that knows a job id but not its queue (the .jobs sweeper): looking at one queue only would call
 * every job running in the others finished.
 */
export class GenerationQueues {
  readonly #redis: Redis;
  readonly #queues = new Map<string, Queue>();
  #listedAt = 0;

  constructor(private readonly connection: RedisOptions) {
    this.#redis = new Redis(connection as IORedisOptions);
    this.#redis.on('error', () => undefined);
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection });
      queue.on('error', () => undefined);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async #all(): Promise<Queue[]> {
    this.#queue(GENERATE_QUEUE);
    if (Date.now() - this.#listedAt > 1000) {
      this.#listedAt = Date.now();
      for (const name of await generationQueueNames(this.#redis)) this.#queue(name);
    }
    return [...this.#queues.values()];
  }

  /** BullMQ's state of the job in whichever generation queue has it, or 'unknown'. */
  async getJobState(jobId: string): Promise<JobState | 'unknown'> {
    for (const queue of await this.#all()) {
      const state = await queue.getJobState(jobId);
      if (state !== 'unknown') return state;
    }
    return 'unknown';
  }

  async close(): Promise<void> {
    for (const queue of this.#queues.values()) await queue.close();
    this.#redis.disconnect();
  }
}
