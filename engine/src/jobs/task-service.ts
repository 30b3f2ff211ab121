// RECONSTRUCTED by H16 from tsx's compiled cache of H11's version (21:46:19 UTC) after H16 truncated
// this file by mistake at 21:51 (see /tmp/team/NOTICE-H16-for-H11.md). Types restored by hand;
// H11's own comments were lost. H11: replace this with your text if you still have it.
import type { RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { LOCAL_ACTOR, type Actor } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import { GenerationKind, type KindContext } from './generation-kind.ts';
import { TaskNotFoundError, type JobEvent, type JobKind, type TaskStatus } from './job-kind.ts';
import { CANCEL_CHANNEL, type GenerateJobData } from './job-types.ts';
import { RenderKind } from './render-kind.ts';
import { VramProfiles } from './vram-profile.ts';
import { liveWorkers, type WorkerState } from './worker-registry.ts';
import { SINGLE_RUN_NODE_TYPES, SingleRunNodes } from './single-run-nodes.ts';

export { TaskNotFoundError } from './job-kind.ts';
export type { TaskStatus } from './job-kind.ts';

/** What is about to be queued, as a submit guard sees it. */
export interface SubmitRequest {
  kind: 'generation' | 'render';
  taskId: string;
  projectId: string;
  nodeId: string;
  idempotencyKey?: string;
  /** Renders: a draft render (lower resolution, watermarked) rather than the final one. */
  draft?: boolean;
  /** Who asked for it (the local user when the route did not say). */
  actor?: Actor;
  /** Generations: the request as built and dispatched, the queue it goes to, and the scene it is charged to. */
  generation?: GenerateJobData;
  queue?: string;
  scene?: string | null;
  /** Generations: an earlier take will be reused instead (nothing runs, nothing is charged). */
  reuse?: boolean;
}

/** Who asked for a task and the scene it is charged to, kept from submit to its end (the ledger reads it). */
export interface TaskMeta {
  actor: Actor;
  scene: string | null;
}

/**
 * A rule a job must pass before it is queued (the approval gate of a final render, a budget): it
 * resolves to let the job through and throws a StudioError (its code and data reach the client) to
 * refuse it. Nothing is queued, and an idempotency key is released, when a guard refuses.
 */
export type SubmitGuard = (request: SubmitRequest) => Promise<void>;

/** Hears every event of every task, after the kind itself has handled it (the ledger, the event log). */
export type TaskListener = (taskId: string, kind: string, event: JobEvent) => void | Promise<void>;

/** Makes a job kind from the shared context (one registration per kind). */
export type KindFactory = (ctx: KindContext) => JobKind;

/** Redis key prefix: an idempotency key's task, claimed once. */
const CLAIM_PREFIX = 'studio:task-claim:';
/** Redis key prefix: a task's TaskMeta. */
const META_PREFIX = 'studio:task-meta:';
const CLAIM_SECONDS = 7 * 86400;

/**
 * Every job kind behind the one task API: submit (idempotent by key), status, cancel, and the
 * events that keep every client of the project up to date.
 */
export class TaskService {
  readonly #publisher: Redis;
  /** Observed peaks and times per pipeline and quality (written by the GPU workers). */
  readonly profiles: VramProfiles;
  readonly #kinds: JobKind[] = [];
  readonly #generation: GenerationKind;
  readonly #render: RenderKind;
  #watchdog: NodeJS.Timeout | null = null;
  readonly #guards: SubmitGuard[] = [];
  /** Told when a task that passed the guards is not queued after all (a later guard refused, queueing failed). */
  readonly #releases: Array<(taskId: string) => void> = [];
  readonly #listeners: TaskListener[] = [];
  readonly #singleRun: SingleRunNodes;

  constructor(
    private readonly rooms: RoomRegistry,
    catalogue: PipelineCatalogue,
    private readonly redis: RedisOptions,
    lockDurationMs = 30_000,
    extraKinds: KindFactory[] = [],
    prepareGeneration?: KindContext['prepareGeneration'],
    /** How often jobs waiting for a GPU are looked at again (DISPATCH_WATCHDOG_MS). */
    private readonly watchdogMs = 5000,
  ) {
    this.#publisher = new Redis(redis as IORedisOptions);
    this.profiles = new VramProfiles(this.#publisher);
    this.#singleRun = new SingleRunNodes(this.#publisher, async (id) => {
      const found = await this.findJob(id);
      return found ? found.job.getState() : null;
    });
    const ctx: KindContext = {
      rooms,
      catalogue,
      redis,
      publisher: this.#publisher,
      lockDurationMs,
      listen: (kind, events) => this.#listen(kind, events),
      prepareGeneration,
    };
    this.#generation = new GenerationKind(ctx);
    this.#render = new RenderKind(ctx);
    for (const kind of [this.#generation, this.#render, ...extraKinds.map((make) => make(ctx))]) this.register(kind);
  }

  register(kind: JobKind): void {
    if (this.#kinds.some((k) => k.name === kind.name || k.idPrefix.startsWith(kind.idPrefix) || kind.idPrefix.startsWith(k.idPrefix)))
      throw new Error(`job kind ${kind.name} (${kind.idPrefix}) clashes with one already registered`);
    this.#kinds.push(kind);
    for (const events of kind.events()) this.#listen(kind, events);
  }

  kind(name: string): JobKind {
    const kind = this.#kinds.find((k) => k.name === name);
    if (!kind) throw new Error(`no job kind ${name}`);
    return kind;
  }

  /** `release` hears of a task the guard let through that was not queued after all (a budget's reservation goes). */
  addSubmitGuard(guard: SubmitGuard, release?: (taskId: string) => void): void {
    this.#guards.push(guard);
    if (release) this.#releases.push(release);
  }

  addTaskListener(listener: TaskListener): void {
    this.#listeners.push(listener);
  }

  async #guard(request: SubmitRequest): Promise<void> {
    for (const guard of this.#guards) await guard(request);
  }

  async #notify(kind: JobKind, taskId: string, event: JobEvent): Promise<void> {
    await kind.notify(taskId, event);
    for (const listener of this.#listeners) {
      try {
        await listener(taskId, kind.name, event);
      } catch {
        // A listener's failure (a ledger write) must not stop the task's own events.
      }
    }
  }

  #listen(kind: JobKind, events: import('bullmq').QueueEvents): void {
    events.on('active', ({ jobId }) => void this.#notify(kind, jobId, { on: 'active' }));
    events.on('progress', ({ jobId, data }) => void this.#notify(kind, jobId, { on: 'progress', data: (data ?? {}) as Record<string, unknown> }));
    events.on('completed', ({ jobId, returnvalue }) => void this.#notify(kind, jobId, { on: 'completed', result: returnvalue }));
    events.on(
      'failed',
      ({ jobId, failedReason }) => void this.#notify(kind, jobId, { on: 'failed', reason: failedReason, cancelled: failedReason === 'cancelled' }),
    );
  }

  async workers(): Promise<WorkerState[]> {
    return liveWorkers(this.#publisher);
  }

  checkWaitingJobs(): Promise<void> {
    return this.#generation.checkWaitingJobs();
  }

  async ready(): Promise<void> {
    // The generation queues a previous engine made (CPU per pipeline, GPU per tier and pipeline).
    await this.#generation.openExisting();
    await Promise.all(this.#kinds.flatMap((k) => [...k.queues().map((q) => q.waitUntilReady()), ...k.events().map((e) => e.waitUntilReady())]));
    this.#watchdog = setInterval(() => void this.checkWaitingJobs().catch(() => undefined), this.watchdogMs);
  }

  async claim(taskId: string): Promise<boolean> {
    return (await this.#publisher.set(`${CLAIM_PREFIX}${taskId}`, '1', 'EX', CLAIM_SECONDS, 'NX')) === 'OK';
  }

  async unclaim(taskId: string): Promise<void> {
    await this.#publisher.del(`${CLAIM_PREFIX}${taskId}`);
  }

  /**
   * Queues a generation of a node. The same idempotency key gives the same task and runs nothing
   * twice. A post-processing node whose inputs and parameters match an earlier take reuses it
   * instead (nothing is queued) unless `force` ("run again").
   */
  async submit({
    projectId,
    nodeId,
    idempotencyKey,
    policy,
    force = false,
    actor = LOCAL_ACTOR,
  }: {
    projectId: string;
    nodeId: string;
    idempotencyKey?: string;
    policy?: 'queue' | 'fallback';
    force?: boolean;
    actor?: Actor;
  }) {
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !idempotencyKey || idempotencyKey.length > 128))
      throw new InvalidRequestError('idempotency_key must be 1-128 characters', { field: 'idempotency_key' });
    const room = await this.rooms.get(projectId);
    const taskId = this.#generation.taskIdFor(projectId, idempotencyKey);
    if (idempotencyKey && !(await this.claim(taskId))) return { task_id: taskId, deduplicated: true };
    // Extract motion runs once at a time per node: a second click is answered with the running task.
    const singleRun = SINGLE_RUN_NODE_TYPES.has(room.graph().nodes.find((n) => n.id === nodeId)?.type ?? '');
    const running = singleRun ? await this.#singleRun.claim(projectId, nodeId, taskId) : null;
    if (running) {
      if (idempotencyKey) await this.unclaim(taskId);
      return { task_id: running, deduplicated: true };
    }
    try {
      const prepared = await this.#generation.prepare({ projectId, nodeId, policy, force });
      const reusable = force ? null : await this.#generation.reusableTake(prepared);
      await this.#guard({
        kind: 'generation',
        taskId,
        projectId,
        nodeId,
        ...(idempotencyKey ? { idempotencyKey } : {}),
        actor,
        generation: prepared.decided.data,
        queue: prepared.decided.queue,
        scene: prepared.scene,
        reuse: reusable !== null,
      });
      if (reusable) {
        if (singleRun) await this.#singleRun.release(projectId, nodeId, taskId);
        return await this.#generation.reuse(taskId, prepared, reusable, actor);
      }
      await this.#remember(taskId, { actor, scene: prepared.scene });
      const queued = await this.#generation.queuePrepared(taskId, prepared);
      if (singleRun) await this.#singleRun.queued(projectId, nodeId, taskId);
      return { task_id: taskId, deduplicated: false, ...queued };
    } catch (error) {
      if (singleRun) await this.#singleRun.release(projectId, nodeId, taskId).catch(() => undefined);
      for (const release of this.#releases) release(taskId);
      if (idempotencyKey) await this.unclaim(taskId);
      throw error;
    }
  }

  async submitRender(options: Parameters<RenderKind['submit']>[0] & { draft?: boolean; actor?: Actor }) {
    const { actor = LOCAL_ACTOR, ...render } = options;
    const { draft } = options;
    await this.#guard({
      kind: 'render',
      taskId: '',
      projectId: options.projectId,
      nodeId: options.assemblerId,
      actor,
      ...(draft === undefined ? {} : { draft }),
    });
    const submitted = await this.#render.submit(render);
    // A reused render answers with the earlier task: its actor stays the one who asked for that run.
    if (!submitted.reused) await this.#remember(submitted.task_id, { actor, scene: null });
    return submitted;
  }

  async #remember(taskId: string, meta: TaskMeta): Promise<void> {
    await this.#publisher.set(`${META_PREFIX}${taskId}`, JSON.stringify(meta), 'EX', CLAIM_SECONDS);
  }

  /** Who asked for a task and its scene; null when it was submitted before this was kept (or long ago). */
  async taskMeta(taskId: string): Promise<TaskMeta | null> {
    const stored = await this.#publisher.get(`${META_PREFIX}${taskId}`);
    return stored ? (JSON.parse(stored) as TaskMeta) : null;
  }

  /** Every queue of every kind, with its kind (the ledger's start-up sweep reads the jobs that ended while no engine heard). */
  jobQueues(): Array<{ kind: JobKind; queue: import('bullmq').Queue }> {
    return this.#kinds.flatMap((kind) => kind.queues().map((queue) => ({ kind, queue })));
  }

  /** A task's BullMQ job and kind (its data, queue and run times: what the ledger prices), or null when it has none. */
  async findJob(taskId: string): Promise<{ kind: JobKind; job: import('bullmq').Job } | null> {
    const kind = this.#kindOf(taskId);
    const job = kind ? await (await kind.queueOf(taskId)).getJob(taskId) : undefined;
    return kind && job ? { kind, job } : null;
  }

  #kindOf(taskId: string): JobKind | null {
    const kind = this.#kinds.find((k) => taskId.startsWith(k.idPrefix));
    if (!kind) return null;
    return /^[A-Za-z0-9_-]{8,80}$/.test(taskId.slice(kind.idPrefix.length)) ? kind : null;
  }

  async #job(taskId: string) {
    const kind = this.#kindOf(taskId);
    const job = kind ? await (await kind.queueOf(taskId)).getJob(taskId) : undefined;
    if (!kind || !job) throw new TaskNotFoundError(`no task '${taskId.slice(0, 100)}'`, { task_id: taskId.slice(0, 100) });
    return { kind, job };
  }

  async status(taskId: string): Promise<TaskStatus> {
    if (taskId.startsWith(this.#generation.idPrefix) && !(await this.findJob(taskId))) {
      const reused = await this.#generation.reusedStatus(taskId);
      if (reused) return reused;
    }
    const { kind, job } = await this.#job(taskId);
    return kind.status(job, await job.getState());
  }

  /** Cancels a task: a queued one is removed, a running one is aborted by the worker that holds it. */
  async cancel({ taskId, projectId, nodeId }: { taskId?: string; projectId?: string; nodeId?: string }): Promise<{ task_id: string; status: string }> {
    let found: { kind: JobKind; job: import('bullmq').Job } | undefined;
    if (taskId) found = await this.#job(taskId);
    else if (projectId && nodeId) {
      search: for (const kind of this.#kinds) {
        if (!kind.ownedBy) continue;
        for (const queue of kind.queues()) {
          const job = (await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'], 0, 1000)).find((j) => kind.ownedBy!(j, projectId, nodeId));
          if (job) {
            found = { kind, job };
            break search;
          }
        }
      }
      if (!found) throw new TaskNotFoundError(`node ${nodeId} has no running task`, { node_id: nodeId });
    } else throw new InvalidRequestError('say which task to cancel');
    const { kind, job } = found;
    const state = await job.getState();
    if (state === 'active') {
      await this.#publisher.publish(CANCEL_CHANNEL, job.id!);
      return { task_id: job.id!, status: 'cancelling' };
    }
    if (['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) {
      await this.#notify(kind, job.id!, { on: 'failed', reason: 'cancelled', cancelled: true });
      await job.remove();
      return { task_id: job.id!, status: 'cancelled' };
    }
    return { task_id: job.id!, status: state };
  }

  async close(): Promise<void> {
    if (this.#watchdog) clearInterval(this.#watchdog);
    for (const kind of [...this.#kinds].reverse()) await kind.close();
    this.#publisher.disconnect();
  }
}
