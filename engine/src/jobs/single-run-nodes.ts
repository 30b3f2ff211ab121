import type { Redis } from 'ioredis';

/**
 * Nodes that run one task at a time: a second Extract motion of the same video while the first
 * runs would only make the same map twice, so it is answered with the task already running
 * (a Shot, by contrast, may queue many takes at once).
 */
export const SINGLE_RUN_NODE_TYPES: ReadonlySet<string> = new Set(['motionSource']);

/** Redis key prefix: the task a single-run node is running, `<task>` once queued or `<task> preparing` before. */
const PREFIX = 'studio:node-run:';
/** A submission that died while preparing frees its node after this. */
const PREPARING_SECONDS = 60;
const QUEUED_SECONDS = 7 * 86400;

/** Replaces the holder only if it is still the one read (two submissions racing: one wins). */
const REPLACE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return false end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] or redis.call('GET', KEYS[1]) == ARGV[2] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** BullMQ states in which a task still runs or will. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * One run per node for SINGLE_RUN_NODE_TYPES, claimed in Redis so that two clicks arriving together
 * (two sockets, two engines) cannot both start one. `stateOf` reads a task's BullMQ state (null
 * when it has no job: cancelled while waiting, or long gone).
 */
export class SingleRunNodes {
  constructor(
    private readonly redis: Redis,
    private readonly stateOf: (taskId: string) => Promise<string | null>,
  ) {}

  #key(projectId: string, nodeId: string): string {
    return `${PREFIX}${projectId}:${nodeId}`;
  }

  /** Claims the node for a task about to be prepared; resolves with the task already running there instead, if one is. */
  async claim(projectId: string, nodeId: string, taskId: string): Promise<string | null> {
    const key = this.#key(projectId, nodeId);
    const preparing = `${taskId} preparing`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.redis.set(key, preparing, 'EX', PREPARING_SECONDS, 'NX')) === 'OK') return null;
      const holder = await this.redis.get(key);
      if (holder === null) continue;
      const [held, phase] = holder.split(' ');
      if (phase === 'preparing') return held!;
      const state = await this.stateOf(held!);
      if (state && LIVE_STATES.has(state)) return held!;
      // The holder ended (done, failed, cancelled): this task takes the node over.
      if (await this.redis.eval(REPLACE, 1, key, holder, preparing, String(PREPARING_SECONDS))) return null;
    }
    throw new Error(`node ${nodeId} could not be claimed: too many submissions at once`);
  }

  /** The claimed task was queued: it holds the node until it ends. */
  async queued(projectId: string, nodeId: string, taskId: string): Promise<void> {
    await this.redis.eval(REPLACE, 1, this.#key(projectId, nodeId), `${taskId} preparing`, taskId, String(QUEUED_SECONDS));
  }

  /** The claimed task was not queued after all (refused, reused): the node is free. */
  async release(projectId: string, nodeId: string, taskId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.#key(projectId, nodeId), `${taskId} preparing`, taskId);
  }
}
