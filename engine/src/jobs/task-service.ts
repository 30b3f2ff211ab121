import { createHash, randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job, type RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { Quality, ServerMessage } from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../errors.ts';
import { fileUrl } from '../projects/file-url.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { ProjectRoom } from '../sync/project-room.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import { dispatch, tablePipeline } from './dispatch.ts';
import { buildGenerationRequest } from './generation-request.ts';
import { liveWorkers, type WorkerState } from './worker-registry.ts';
import { CANCEL_CHANNEL, GENERATE_QUEUE, TAKES_QUEUE, type GenerateJobData, type TakeJobResult } from './job-types.ts';
import { RENDER_QUEUE, type RenderJobData, type RenderJobResult } from './render-job.ts';
import { compileFromRoom } from '../assembly/export-edl.ts';
import { frameSize } from './generation-request.ts';
import type { FrameRate } from '@studio/node-schemas';

export class TaskNotFoundError extends StudioError {
  override readonly code = 'TASK_NOT_FOUND';
  override readonly status = 404;
}

export interface TaskStatus {
  task_id: string;
  project_id: string;
  node_id: string;
  pipeline: string;
  status: 'queued' | 'running' | 'committing' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  step: string | null;
  result: (TakeJobResult & { output_url: string }) | null;
  error: string | null;
}

const TASK_ID = /^gen-[A-Za-z0-9_-]{8,80}$/;
/** Redis hash: task id -> the queue it went to. */
const TASK_QUEUES = 'studio:task-queues';
const RENDER_ID = /^render-[A-Za-z0-9_-]{8,80}$/;

/**
 * Generation tasks as the API and the WebSocket see them: submit (idempotent by key), status,
 * cancel, and the events that keep every client of the project up to date.
 */
export class TaskService {
  readonly generate: Queue<GenerateJobData>;
  /** Generation queues by name: the CPU queue and the GPU tier queues, made when first used. */
  readonly #queues = new Map<string, Queue<GenerateJobData>>();
  readonly #tierEvents = new Map<string, QueueEvents>();
  /** Stalled-job checks on the GPU queues: the only worker able to hold a tier may be the one that died. */
  readonly #stalledChecks: Worker[] = [];
  #watchdog: NodeJS.Timeout | null = null;
  readonly #takes: Queue;
  readonly render: Queue<RenderJobData, RenderJobResult>;
  readonly #events: QueueEvents;
  readonly #renderEvents: QueueEvents;
  readonly #publisher: Redis;
  /** task id -> project and node, to route events without a Redis round trip. */
  readonly #routes = new Map<string, { projectId: string; nodeId: string }>();

  constructor(
    private readonly rooms: RoomRegistry,
    private readonly catalogue: PipelineCatalogue,
    private readonly redis: RedisOptions,
    private readonly lockDurationMs = 30_000,
  ) {
    this.generate = new Queue<GenerateJobData>(GENERATE_QUEUE, { connection: redis });
    this.#queues.set(GENERATE_QUEUE, this.generate);
    this.#takes = new Queue(TAKES_QUEUE, { connection: redis });
    this.#events = new QueueEvents(GENERATE_QUEUE, { connection: redis });
    this.render = new Queue<RenderJobData, RenderJobResult>(RENDER_QUEUE, { connection: redis });
    this.#renderEvents = new QueueEvents(RENDER_QUEUE, { connection: redis });
    this.#watchRenders();
    this.#publisher = new Redis(redis as IORedisOptions);
    this.#listen(this.#events);
  }

  /** Task events of a generation queue, to the clients of the task's project. */
  #listen(events: QueueEvents): void {
    events.on('active', ({ jobId }) => void this.#emit(jobId, (r) => ({ type: 'server:node_state_updated', node_id: r.nodeId, state: 'generating', task_id: jobId })));
    events.on('progress', ({ jobId, data }) => {
      const { progress = 0, step = '' } = (data ?? {}) as { progress?: number; step?: string };
      void this.#emit(jobId, (r) => ({ type: 'server:task_progress', task_id: jobId, node_id: r.nodeId, progress, step }));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const cancelled = failedReason === 'cancelled';
      void this.#emit(jobId, (r) =>
        cancelled
          ? { type: 'server:node_state_updated', node_id: r.nodeId, state: 'cancelled', task_id: jobId }
          : { type: 'server:task_failed', task_id: jobId, node_id: r.nodeId, error: failedReason },
      );
    });
  }

  #queue(name: string): Queue<GenerateJobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<GenerateJobData>(name, { connection: this.redis });
      this.#queues.set(name, queue);
      const events = new QueueEvents(name, { connection: this.redis });
      this.#listen(events);
      this.#tierEvents.set(name, events);
      const checker = new Worker(name, null, { connection: this.redis, lockDuration: this.lockDurationMs, stalledInterval: Math.max(1000, Math.floor(this.lockDurationMs / 2)), maxStalledCount: 3 });
      checker.on('error', () => undefined);
      void checker.startStalledCheckTimer().catch(() => undefined);
      this.#stalledChecks.push(checker);
    }
    return queue;
  }

  /** The queue a task went to (recorded at submission), or the CPU queue. */
  async #queueOf(taskId: string): Promise<Queue<GenerateJobData>> {
    const name = await this.#publisher.hget(TASK_QUEUES, taskId);
    return this.#queue(name ?? GENERATE_QUEUE);
  }

  async workers(): Promise<WorkerState[]> {
    return liveWorkers(this.#publisher);
  }

  /**
   * GPU jobs still waiting when no live worker could ever hold them any more (the only big
   * enough worker died or left) fail with a clear message instead of waiting forever.
   */
  async checkWaitingJobs(): Promise<void> {
    const workers = await this.workers();
    const biggest = Math.max(0, ...workers.flatMap((w) => w.gpus.map((g) => g.vramGB)));
    for (const [name, queue] of this.#queues) {
      if (name === GENERATE_QUEUE) continue;
      for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 500)) {
        if (job.data.vramGB <= biggest) continue;
        await job.remove().catch(() => undefined);
        const room = await this.rooms.get(job.data.projectId).catch(() => null);
        room?.taskEvent({
          type: 'server:task_failed',
          task_id: job.id!,
          node_id: job.data.nodeId,
          error: `No live worker can run this any more: ${job.data.pipelineId} needs ${job.data.vramGB} GB and ${biggest ? `the largest live GPU has ${biggest} GB` : 'no GPU worker is running'}.`,
        });
      }
    }
  }

  async ready(): Promise<void> {
    await Promise.all([this.generate.waitUntilReady(), this.#events.waitUntilReady(), this.render.waitUntilReady(), this.#renderEvents.waitUntilReady()]);
    this.#watchdog = setInterval(() => void this.checkWaitingJobs().catch(() => undefined), Number(process.env.DISPATCH_WATCHDOG_MS ?? 5000));
  }

  /** Render jobs report on their assembler node; the finished movie becomes the node's last export. */
  #watchRenders(): void {
    const route = async (jobId: string) => {
      const job = await this.render.getJob(jobId);
      if (!job) return null;
      const room = await this.rooms.get(job.data.projectId).catch(() => null);
      return room ? { job, room } : null;
    };
    this.#renderEvents.on('active', ({ jobId }) =>
      void route(jobId).then((r) => r?.room.taskEvent({ type: 'server:node_state_updated', node_id: r.job.data.nodeId, state: 'generating', task_id: jobId })),
    );
    this.#renderEvents.on('progress', ({ jobId, data }) => {
      const { progress = 0, step = '' } = (data ?? {}) as { progress?: number; step?: string };
      void route(jobId).then((r) => r?.room.taskEvent({ type: 'server:task_progress', task_id: jobId, node_id: r.job.data.nodeId, progress, step }));
    });
    this.#renderEvents.on('completed', ({ jobId, returnvalue }) =>
      void route(jobId).then((r) => {
        if (!r) return;
        const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RenderJobResult;
        r.room.applyServerEdits([{ op: 'update_node', id: r.job.data.nodeId, changes: { data: { lastExport: result.output } } }]);
        r.room.taskEvent({ type: 'server:node_state_updated', node_id: r.job.data.nodeId, state: 'done', task_id: jobId });
        r.room.broadcast({
          type: 'server:task_success',
          task_id: jobId,
          node_id: r.job.data.nodeId,
          result: { output_url: fileUrl(r.job.data.projectId, result.output), take: result.output, method: result.method },
        });
      }),
    );
    this.#renderEvents.on('failed', ({ jobId, failedReason }) =>
      void route(jobId).then((r) =>
        r?.room.taskEvent(
          failedReason === 'cancelled'
            ? { type: 'server:node_state_updated', node_id: r.job.data.nodeId, state: 'cancelled', task_id: jobId }
            : { type: 'server:task_failed', task_id: jobId, node_id: r.job.data.nodeId, error: failedReason },
        ),
      ),
    );
  }

  /** Queues the final render of an assembler's cut: compiled to an EDL now, rendered from it by a worker. */
  async submitRender({ projectId, assemblerId, fps, backend = 'ffmpeg' }: { projectId: string; assemblerId: string; fps?: FrameRate; backend?: 'ffmpeg' | 'editly' }) {
    const room = await this.rooms.get(projectId);
    const { sequence, lists } = await compileFromRoom({ room, assemblerId, overrides: fps ? { rate: fps, dropFrame: false } : {} });
    const size = frameSize(room.projectManifest.project_settings.aspect_ratio, room.projectManifest.project_settings.quality);
    const taskId = `render-${randomUUID()}`;
    await this.render.add(
      'render',
      {
        projectId,
        nodeId: assemblerId,
        title: sequence.settings.title,
        edlText: lists.join(''),
        rate: sequence.settings.rate,
        dropFrame: sequence.settings.dropFrame,
        ...size,
        backend,
        frames: sequence.frames,
      },
      { jobId: taskId, attempts: 1, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 7 * 86400 } },
    );
    room.taskEvent({ type: 'server:node_state_updated', node_id: assemblerId, state: 'queued', task_id: taskId });
    return { task_id: taskId };
  }

  async #route(jobId: string) {
    let route = this.#routes.get(jobId);
    if (!route) {
      const job = await (await this.#queueOf(jobId)).getJob(jobId);
      if (!job) return null;
      route = { projectId: job.data.projectId, nodeId: job.data.nodeId };
      this.#routes.set(jobId, route);
    }
    return route;
  }

  async #emit(jobId: string, make: (route: { projectId: string; nodeId: string }) => Extract<ServerMessage, { node_id: string }>) {
    const route = await this.#route(jobId);
    if (!route) return;
    const room = await this.rooms.get(route.projectId).catch(() => null);
    room?.taskEvent(make(route));
  }

  /** Queues a generation of a node. The same idempotency key gives the same task and runs nothing twice. */
  async submit({
    projectId,
    nodeId,
    idempotencyKey,
    policy,
  }: {
    projectId: string;
    nodeId: string;
    idempotencyKey?: string;
    /** Overrides the project's hardware policy for this job. */
    policy?: 'queue' | 'fallback';
  }) {
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !idempotencyKey || idempotencyKey.length > 128))
      throw new InvalidRequestError('idempotency_key must be 1-128 characters', { field: 'idempotency_key' });
    const room = await this.rooms.get(projectId);
    const taskId = idempotencyKey
      ? `gen-${createHash('sha256').update(`${projectId}\0${idempotencyKey}`).digest('base64url').slice(0, 32)}`
      : `gen-${randomUUID()}`;
    if (idempotencyKey && (await (await this.#queueOf(taskId)).getJob(taskId))) return { task_id: taskId, deduplicated: true };
    const workers = await this.workers();
    const gpuWorkers = workers.some((w) => w.gpus.length > 0);
    const graph = room.graph();
    const data = buildGenerationRequest({
      projectId,
      graph,
      manifest: room.projectManifest,
      nodeId,
      catalogue: this.catalogue,
      pickPipeline: (taskType, quality) => tablePipeline(this.catalogue, taskType, quality, gpuWorkers),
    });
    const pipelineNode = graph.edges.find((e) => e.target === nodeId && e.targetHandle === 'pipeline');
    const pinnedPolicy = pipelineNode ? (graph.nodes.find((n) => n.id === pipelineNode.source)?.data.hardwarePolicy as 'queue' | 'fallback' | undefined) : undefined;
    const decided = dispatch({
      data,
      policy: policy ?? pinnedPolicy ?? room.projectManifest.project_settings.hardware_policy,
      workers,
      catalogue: this.catalogue,
      pinned: Boolean(pipelineNode),
    });
    this.#routes.set(taskId, { projectId, nodeId });
    await this.#publisher.hset(TASK_QUEUES, taskId, decided.queue);
    await this.#queue(decided.queue).add('generate', decided.data, {
      jobId: taskId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 7 * 86400 },
      removeOnFail: { age: 7 * 86400 },
    });
    if (decided.notice) room.broadcast({ type: 'server:notice', level: 'warning', message: decided.notice, node_id: nodeId, task_id: taskId });
    room.taskEvent({ type: 'server:node_state_updated', node_id: nodeId, state: 'queued', task_id: taskId });
    return { task_id: taskId, deduplicated: false, queue: decided.queue, fallback: decided.data.fallbackFrom ?? null };
  }

  async #job(taskId: string): Promise<Job<GenerateJobData>> {
    const job = TASK_ID.test(taskId) ? await (await this.#queueOf(taskId)).getJob(taskId) : undefined;
    if (!job) throw new TaskNotFoundError(`no task '${taskId.slice(0, 100)}'`, { task_id: taskId.slice(0, 100) });
    return job;
  }

  async status(taskId: string): Promise<TaskStatus> {
    if (RENDER_ID.test(taskId)) return this.#renderStatus(taskId);
    const job = await this.#job(taskId);
    const state = await job.getState();
    const progress = (job.progress ?? {}) as { progress?: number; step?: string };
    const base = {
      task_id: taskId,
      project_id: job.data.projectId,
      node_id: job.data.nodeId,
      pipeline: job.data.pipelineId,
      progress: progress.progress ?? 0,
      step: progress.step ?? null,
      result: null,
      error: null,
    };
    if (state === 'failed')
      return { ...base, status: job.failedReason === 'cancelled' ? 'cancelled' : 'failed', error: job.failedReason ?? 'failed' };
    if (state === 'completed') {
      const take = await this.#takes.getJob(`take-${taskId}`);
      const takeState = take ? await take.getState() : 'unknown';
      if (take && takeState === 'completed') {
        const result = take.returnvalue as TakeJobResult;
        return { ...base, status: 'succeeded', progress: 100, result: { ...result, output_url: fileUrl(job.data.projectId, result.take) } };
      }
      if (take && takeState === 'failed') return { ...base, status: 'failed', error: `the take could not be committed: ${take.failedReason}` };
      return { ...base, status: 'committing', progress: 100 };
    }
    return { ...base, status: state === 'active' ? 'running' : 'queued' };
  }

  async #renderStatus(taskId: string): Promise<TaskStatus> {
    const job = await this.render.getJob(taskId);
    if (!job) throw new TaskNotFoundError(`no task '${taskId.slice(0, 100)}'`, { task_id: taskId.slice(0, 100) });
    const state = await job.getState();
    const progress = (job.progress ?? {}) as { progress?: number; step?: string };
    const base = { task_id: taskId, project_id: job.data.projectId, node_id: job.data.nodeId, pipeline: `render:${job.data.backend}`, progress: progress.progress ?? 0, step: progress.step ?? null, result: null, error: null };
    if (state === 'completed') {
      const r = job.returnvalue;
      return { ...base, status: 'succeeded', progress: 100, result: { take: r.output, sidecar: '', version: 0, number: 0, output_url: fileUrl(job.data.projectId, r.output) } };
    }
    if (state === 'failed') return { ...base, status: job.failedReason === 'cancelled' ? 'cancelled' : 'failed', error: job.failedReason ?? 'failed' };
    return { ...base, status: state === 'active' ? 'running' : 'queued' };
  }

  /** Cancels a task: a queued one is removed, a running one is aborted by the worker that holds it. */
  async cancel({ taskId, projectId, nodeId }: { taskId?: string; projectId?: string; nodeId?: string }): Promise<{ task_id: string; status: string }> {
    if (taskId && RENDER_ID.test(taskId)) return this.#cancelRender(taskId);
    let job: Job<GenerateJobData> | undefined;
    if (taskId) job = await this.#job(taskId);
    else if (projectId && nodeId) {
      for (const queue of this.#queues.values()) {
        const candidates = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'], 0, 1000);
        job = candidates.find((j) => j.data.projectId === projectId && j.data.nodeId === nodeId);
        if (job) break;
      }
      if (!job) throw new TaskNotFoundError(`node ${nodeId} has no running task`, { node_id: nodeId });
    } else throw new InvalidRequestError('say which task to cancel');
    const state = await job.getState();
    if (state === 'active') {
      await this.#publisher.publish(CANCEL_CHANNEL, job.id!);
      return { task_id: job.id!, status: 'cancelling' };
    }
    if (['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) {
      await job.remove();
      const room: ProjectRoom | null = await this.rooms.get(job.data.projectId).catch(() => null);
      room?.taskEvent({ type: 'server:node_state_updated', node_id: job.data.nodeId, state: 'cancelled', task_id: job.id! });
      return { task_id: job.id!, status: 'cancelled' };
    }
    return { task_id: job.id!, status: state };
  }

  async #cancelRender(taskId: string) {
    const job = await this.render.getJob(taskId);
    if (!job) throw new TaskNotFoundError(`no task '${taskId.slice(0, 100)}'`, { task_id: taskId.slice(0, 100) });
    const state = await job.getState();
    if (state === 'active') {
      await this.#publisher.publish(CANCEL_CHANNEL, taskId);
      return { task_id: taskId, status: 'cancelling' };
    }
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      await job.remove();
      (await this.rooms.get(job.data.projectId).catch(() => null))?.taskEvent({ type: 'server:node_state_updated', node_id: job.data.nodeId, state: 'cancelled', task_id: taskId });
      return { task_id: taskId, status: 'cancelled' };
    }
    return { task_id: taskId, status: state };
  }

  async close(): Promise<void> {
    if (this.#watchdog) clearInterval(this.#watchdog);
    for (const events of this.#tierEvents.values()) await events.close();
    for (const checker of this.#stalledChecks) await checker.close();
    for (const [name, queue] of this.#queues) if (name !== GENERATE_QUEUE) await queue.close();
    await this.#renderEvents.close();
    await this.render.close();
    await this.#events.close();
    await this.generate.close();
    await this.#takes.close();
    this.#publisher.disconnect();
  }
}
