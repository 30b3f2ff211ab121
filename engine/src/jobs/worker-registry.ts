import type { RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { GpuInfo } from './worker-capacity.ts';

const PREFIX = 'studio:worker:';

export interface GpuState extends GpuInfo {
  /** Jobs running on it now (several only when they are all shareable). */
  jobs: Array<{ jobId: string; pipeline: string; vramGB: number; since: string }>;
}

export interface WorkerState {
  name: string;
  host: string;
  pid: number;
  gpus: GpuState[];
  cpuSlots: number;
  cpuJobs: string[];
  /** Pipelines this worker can start now (image built, or runnable on the host): the dispatcher sends it only these. */
  pipelines: string[];
  /** Why it cannot start the others (an image not built, no Docker daemon, no GPU). */
  unavailable: Record<string, string>;
  startedAt: string;
  heartbeatAt: string;
}

/** A worker's presence in Redis: rewritten every few seconds and on every job change, gone when it stops beating. */
export class WorkerHeartbeat {
  readonly #redis: Redis;
  #timer: NodeJS.Timeout | null = null;

  /** ttlMs: a worker that has not beaten for this long is gone (WORKER_HEARTBEAT_TTL_MS); it beats every fifth of it. */
  constructor(
    redis: RedisOptions,
    private readonly state: () => WorkerState,
    private readonly ttlMs = 15_000,
  ) {
    this.#redis = new Redis(redis as IORedisOptions);
  }

  async beat(): Promise<void> {
    const state = { ...this.state(), heartbeatAt: new Date().toISOString() };
    await this.#redis.set(PREFIX + state.name, JSON.stringify(state), 'PX', this.ttlMs).catch(() => undefined);
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat(), Math.max(250, Math.floor(this.ttlMs / 5)));
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#redis.del(PREFIX + this.state().name).catch(() => undefined);
    this.#redis.disconnect();
  }
}

const joining = new Set<Promise<void>>();

/** Fleet reads (liveWorkers) wait until `joined` settles: in-process workers that start after the engine listens are counted as if already there. */
export function holdFleetUntil(joined: Promise<unknown>): void {
  const settled = joined.then(
    () => undefined,
    () => undefined,
  );
  joining.add(settled);
  void settled.then(() => joining.delete(settled));
}

/** The live workers (those whose heartbeat has not expired). */
export async function liveWorkers(redis: Redis): Promise<WorkerState[]> {
  if (joining.size) await Promise.all(joining);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (!keys.length) return [];
  const values = await redis.mget(keys);
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as WorkerState)
    .sort((a, b) => a.name.localeCompare(b.name));
}
