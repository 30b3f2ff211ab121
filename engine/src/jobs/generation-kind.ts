import { createHash, randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job, type RedisOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Actor, Graph, GraphNode, ServerMessage } from '@studio/node-schemas';
import { fileUrl } from '../projects/file-url.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import { parseCpuQueue } from './cpu-queues.ts';
import { dispatch, largestGpuFor, noCapableCpu, noWorkerNotice, tablePipeline } from './dispatch.ts';
import { JOB_ADDED_CHANNEL } from './job-added.ts';
import { moveLegacyCpuJobs } from './legacy-cpu-queue.ts';
import { generationQueueNames } from './queue-discovery.ts';
import { VramProfiles } from './vram-profile.ts';
import { buildGenerationRequest } from './generation-request.ts';
import { baseStatus, type JobEvent, type JobKind, type TaskStatus } from './job-kind.ts';
import { GENERATE_QUEUE, TAKES_QUEUE, type GenerateJobData, type TakeJobResult } from './job-types.ts';
import { liveWorkers } from './worker-registry.ts';
import { parseTakeFileName } from '../projects/takes/take-subject.ts';
import { REUSABLE_NODE_TYPES, REUSABLE_TASK_TYPES, inputSignature, type SignatureInput } from '../projects/takes/reuse-signature.ts';
import { findTakeWithSignature } from '../review/reuse-lookup.ts';
import { sceneOfGenerationNode } from '../review/ledger-scene.ts';

/** Redis hash: task id -> the queue it went to. */
const TASK_QUEUES = 'studio:task-queues';
/** Redis key prefix: a task answered by reusing a take (no job ran), for its status. */
const REUSED_PREFIX = 'studio:task-reused:';

/** A generation built and dispatched, not yet queued. */
export type PreparedGeneration = Awaited<ReturnType<GenerationKind['prepare']>>;

/** The take names a node hid from its takes list: never reused. */
function hiddenTakesOf(node: GraphNode): string[] {
  const hidden = node.data.hiddenTakes;
  return Array.isArray(hidden) ? hidden.filter((t): t is string => typeof t === 'string') : [];
}

/** The signature input of a job request (the same fields its take's provenance will hold). */
function signatureInputOfRequest(data: GenerateJobData): SignatureInput {
  return {
    pipeline: data.pipelineId,
    taskType: data.taskType,
    quality: data.quality,
    seed: data.seed,
    prompt: data.prompt,
    negativePrompt: data.negativePrompt,
    params: data.params,
    size: { width: data.width, height: data.height, fps: data.fps, duration: data.duration },
    inputs: data.inputs,
  };
}

export interface KindContext {
  rooms: RoomRegistry;
  catalogue: PipelineCatalogue;
  redis: RedisOptions;
  /** A shared connection for small commands (hget, set, publish). */
  publisher: Redis;
  lockDurationMs: number;
  /** Starts routing a queue's events to its kind. */
  listen(kind: JobKind, events: QueueEvents): void;
  /**
   * Adds what other parts bring to a generation (an asset's LoRA or image) before it is dispatched;
   * `commit` puts the files they need into the project, and runs only once the generation is accepted.
   */
  prepareGeneration?: (data: GenerateJobData, graph: Graph) => Promise<{ data: GenerateJobData; commit(): Promise<void> }>;
}

/**
 * Generation: one queue per CPU pipeline and one per GPU tier and pipeline (made when first used,
 * or found in Redis at start, each with a stalled-job check, since the only worker able to run a
 * queue's jobs may be the one that died); a finished job becomes a take through the takes queue,
 * so status reads the take committer's job too. The single `generate` queue CPU jobs shared
 * before is kept only to find and move what it still holds.
 */
export class GenerationKind implements JobKind<GenerateJobData> {
  readonly name = 'generation';
  readonly idPrefix = 'gen-';
  readonly #queues = new Map<string, Queue<GenerateJobData>>();
  readonly #events = new Map<string, QueueEvents>();
  readonly #stalledChecks: Worker[] = [];
  readonly #takes: Queue;
  /** task id -> project and node, to route events without a Redis round trip. */
  readonly #routes = new Map<string, { projectId: string; nodeId: string }>();
  /** Waiting CPU jobs already told that no worker is running (told once while none is). */
  readonly #toldNoWorker = new Set<string>();

  constructor(private readonly ctx: KindContext) {
    this.#takes = new Queue(TAKES_QUEUE, { connection: ctx.redis });
    this.#queues.set(GENERATE_QUEUE, new Queue<GenerateJobData>(GENERATE_QUEUE, { connection: ctx.redis }));
    this.#events.set(GENERATE_QUEUE, new QueueEvents(GENERATE_QUEUE, { connection: ctx.redis }));
  }

  /**
   * Opens every generation queue a previous engine made (to hear its events, check its stalled
   * jobs and cancel by node), and moves jobs still waiting in the old shared CPU queue to their
   * pipeline's queue, where workers that can start them read.
   */
  async openExisting(): Promise<void> {
    for (const name of await generationQueueNames(this.ctx.publisher)) this.queue(name);
    await moveLegacyCpuJobs({
      legacy: this.#queues.get(GENERATE_QUEUE)!,
      target: (name) => this.queue(name),
      recordQueue: (taskId, name) => this.ctx.publisher.hset(TASK_QUEUES, taskId, name).then(() => undefined),
    });
  }

  queue(name: string): Queue<GenerateJobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      const { redis, lockDurationMs } = this.ctx;
      queue = new Queue<GenerateJobData>(name, { connection: redis });
      this.#queues.set(name, queue);
      const events = new QueueEvents(name, { connection: redis });
      this.#events.set(name, events);
      this.ctx.listen(this, events);
      const checker = new Worker(name, null, {
        connection: redis,
        lockDuration: lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(lockDurationMs / 2)),
        maxStalledCount: 3,
      });
      checker.on('error', () => undefined);
      void checker.startStalledCheckTimer().catch(() => undefined);
      this.#stalledChecks.push(checker);
    }
    return queue;
  }

  async queueOf(taskId: string): Promise<Queue<GenerateJobData>> {
    const name = await this.ctx.publisher.hget(TASK_QUEUES, taskId);
    return this.queue(name ?? GENERATE_QUEUE);
  }

  queues(): Queue<GenerateJobData>[] {
    return [...this.#queues.values()];
  }

  events(): QueueEvents[] {
    return [this.#events.get(GENERATE_QUEUE)!];
  }

  /** The task id for a submission: derived from the idempotency key, so a repeat names the same task. */
  taskIdFor(projectId: string, idempotencyKey?: string): string {
    return idempotencyKey ? `gen-${createHash('sha256').update(`${projectId}\0${idempotencyKey}`).digest('base64url').slice(0, 32)}` : `gen-${randomUUID()}`;
  }

  /**
   * Builds and dispatches a generation (nothing is queued yet): what submit guards and the reuse
   * check look at before it is queued with `queuePrepared`.
   */
  async prepare({ projectId, nodeId, policy, force = false }: { projectId: string; nodeId: string; policy?: 'queue' | 'fallback'; force?: boolean }) {
    const room = await this.ctx.rooms.get(projectId);
    const workers = await liveWorkers(this.ctx.publisher);
    // Observed peaks and times (written by the GPU workers): the dispatcher's figure once there is one.
    const profiles = await new VramProfiles(this.ctx.publisher).readCatalogue(this.ctx.catalogue.all().map((p) => p.manifest));
    const graph = room.graph();
    const built = buildGenerationRequest({
      projectId,
      graph,
      manifest: room.projectManifest,
      nodeId,
      catalogue: this.ctx.catalogue,
      pickPipeline: (taskType, quality) => tablePipeline(this.ctx.catalogue, taskType, quality, { workers, profiles }),
      freshSeed: force,
    });
    const { data, commit: commitInputs } = this.ctx.prepareGeneration
      ? await this.ctx.prepareGeneration(built, graph)
      : { data: built, commit: async () => undefined };
    const pipelineNode = graph.edges.find((e) => e.target === nodeId && e.targetHandle === 'pipeline');
    const pinnedPolicy = pipelineNode
      ? (graph.nodes.find((n) => n.id === pipelineNode.source)?.data.hardwarePolicy as 'queue' | 'fallback' | undefined)
      : undefined;
    const decided = dispatch({
      data,
      policy: policy ?? pinnedPolicy ?? room.projectManifest.project_settings.hardware_policy,
      workers,
      catalogue: this.ctx.catalogue,
      pinned: Boolean(pipelineNode),
      profiles,
    });
    const node = graph.nodes.find((n) => n.id === nodeId)!;
    return {
      room,
      workers,
      profiles,
      decided,
      scene: sceneOfGenerationNode(graph, node, decided.data.subject),
      hiddenTakes: hiddenTakesOf(node),
      commitInputs,
    };
  }

  /** Queues a prepared generation under a task id already claimed. */
  async queuePrepared(taskId: string, { room, workers, decided, commitInputs }: PreparedGeneration) {
    // The generation is accepted: only now does what it copies into the project (an asset's image or LoRA) get committed.
    await commitInputs();
    const { projectId, nodeId } = decided.data;
    this.#routes.set(taskId, { projectId, nodeId });
    await this.ctx.publisher.hset(TASK_QUEUES, taskId, decided.queue);
    await this.queue(decided.queue).add('generate', decided.data, {
      jobId: taskId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 7 * 86400 },
      removeOnFail: { age: 7 * 86400 },
    });
    // Idle workers wake for it now rather than at their next poll.
    await this.ctx.publisher.publish(JOB_ADDED_CHANNEL, decided.queue).catch(() => undefined);
    if (!workers.length && parseCpuQueue(decided.queue)) this.#toldNoWorker.add(taskId);
    if (decided.notice) room.broadcast({ type: 'server:notice', level: 'warning', message: decided.notice, node_id: nodeId, task_id: taskId });
    room.taskEvent({ type: 'server:node_state_updated', node_id: nodeId, state: 'queued', task_id: taskId });
    return { queue: decided.queue, fallback: decided.data.fallbackFrom ?? null };
  }

  /** Builds, dispatches and queues a generation under a task id already claimed. */
  async enqueue({ taskId, projectId, nodeId, policy }: { taskId: string; projectId: string; nodeId: string; policy?: 'queue' | 'fallback' }) {
    return this.queuePrepared(taskId, await this.prepare({ projectId, nodeId, policy }));
  }

  /**
   * The input-signature cache (docs/governance.md#reuse): the earlier take of a post-processing node
   * made from the same pipeline, parameters, quality, seed, text and input contents, or null.
   */
  async reusableTake({ room, decided, hiddenTakes }: PreparedGeneration): Promise<string | null> {
    const data = decided.data;
    if (!REUSABLE_NODE_TYPES.has(data.nodeType) || !REUSABLE_TASK_TYPES.has(data.taskType)) return null;
    const signature = await inputSignature(room.dir, signatureInputOfRequest(data)).catch(() => null);
    if (!signature) return null;
    return findTakeWithSignature({ projectDir: room.dir, subject: data.subject, hash: signature.hash, hidden: hiddenTakes });
  }

  /**
   * Reuses an earlier take instead of running: it becomes the node's active take, the clients hear a
   * success that says it was reused, and a notice tells the user why nothing ran.
   */
  async reuse(taskId: string, { room, decided }: PreparedGeneration, take: string, actor?: Actor) {
    const { projectId, nodeId } = decided.data;
    const parsed = parseTakeFileName(decided.data.subject.name, take.split('/').pop()!);
    room.applyServerEdits([{ op: 'update_node', id: nodeId, changes: { data: { activeTake: take } } }], undefined, actor);
    await this.ctx.publisher.set(
      `${REUSED_PREFIX}${taskId}`,
      JSON.stringify({ project_id: projectId, node_id: nodeId, pipeline: decided.data.pipelineId, take }),
      'EX',
      7 * 86400,
    );
    room.taskEvent({ type: 'server:node_state_updated', node_id: nodeId, state: 'done', task_id: taskId });
    room.broadcast({
      type: 'server:task_success',
      task_id: taskId,
      node_id: nodeId,
      result: { output_url: fileUrl(projectId, take), take, version: parsed?.version ?? 0, number: parsed?.take ?? 0, reused: true },
    });
    room.broadcast({
      type: 'server:notice',
      level: 'info',
      message: `Reused ${take.split('/').pop()}: its inputs and parameters are unchanged, so nothing ran. Run again to make a new take.`,
      node_id: nodeId,
      task_id: taskId,
    });
    return { task_id: taskId, deduplicated: false, reused: true as const, take };
  }

  /** The status of a task answered by reusing a take (it has no job), or null. */
  async reusedStatus(taskId: string): Promise<TaskStatus | null> {
    const stored = await this.ctx.publisher.get(`${REUSED_PREFIX}${taskId}`);
    if (!stored) return null;
    const { project_id, node_id, pipeline, take } = JSON.parse(stored) as { project_id: string; node_id: string; pipeline: string; take: string };
    return {
      task_id: taskId,
      kind: this.name,
      project_id,
      node_id,
      pipeline,
      status: 'succeeded',
      progress: 100,
      step: null,
      result: { take, output_url: fileUrl(project_id, take), reused: true },
      error: null,
    };
  }

  /**
   * Jobs still waiting when no live worker could ever start or hold them any more (the only big
   * enough worker, or the only one that can start a CPU pipeline, died or left) fail with a clear
   * message instead of waiting forever. A CPU job waiting while no worker at all is live is told
   * so once, and waits for one to join.
   */
  async checkWaitingJobs(): Promise<void> {
    const workers = await liveWorkers(this.ctx.publisher);
    if (workers.length) this.#toldNoWorker.clear();
    for (const [name, queue] of this.#queues) {
      if (name === GENERATE_QUEUE) continue;
      const cpu = parseCpuQueue(name);
      const why = cpu ? this.#cpuProblem(cpu.pipeline, workers) : null;
      if (cpu && why === null) continue;
      for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 500)) {
        const room = await this.ctx.rooms.get(job.data.projectId).catch(() => null);
        if (cpu && !workers.length) {
          if (this.#toldNoWorker.has(job.id!)) continue;
          this.#toldNoWorker.add(job.id!);
          room?.broadcast({ type: 'server:notice', level: 'warning', message: noWorkerNotice(cpu.pipeline), node_id: job.data.nodeId, task_id: job.id! });
          continue;
        }
        let error: string;
        if (cpu) error = `No live worker can run this any more: ${job.data.pipelineId} runs on the CPU and ${why}.`;
        else {
          const biggest = largestGpuFor(workers, job.data.pipelineId);
          if (job.data.vramGB <= biggest) continue;
          error = `No live worker can run this any more: ${job.data.pipelineId} needs ${job.data.vramGB} GB and ${biggest ? `the largest live GPU has ${biggest} GB` : 'no live GPU worker can start it'}.`;
        }
        await job.remove().catch(() => undefined);
        room?.taskEvent({ type: 'server:task_failed', task_id: job.id!, node_id: job.data.nodeId, error });
      }
    }
  }

  /** Why no live worker can start a CPU pipeline ('' when no worker is live at all), or null when one can. */
  #cpuProblem(pipelineId: string, workers: Awaited<ReturnType<typeof liveWorkers>>): string | null {
    if (!workers.length) return '';
    const entry = this.ctx.catalogue.all().find((p) => p.manifest.id === pipelineId);
    if (!entry) return workers.some((w) => w.pipelines?.includes(pipelineId)) ? null : `${pipelineId} is not installed on any live worker`;
    return noCapableCpu(workers, entry.manifest);
  }

  async status(job: Job<GenerateJobData>, state: string): Promise<TaskStatus> {
    const base = baseStatus(job, state, this.name, { project_id: job.data.projectId, node_id: job.data.nodeId, pipeline: job.data.pipelineId });
    if (state !== 'completed') return base;
    const take = await this.#takes.getJob(`take-${job.id}`);
    const takeState = take ? await take.getState() : 'unknown';
    if (take && takeState === 'completed') {
      const result = take.returnvalue as TakeJobResult;
      return { ...base, status: 'succeeded', progress: 100, result: { ...result, output_url: fileUrl(job.data.projectId, result.take) } };
    }
    if (take && takeState === 'failed') return { ...base, status: 'failed', error: `the take could not be committed: ${take.failedReason}` };
    return { ...base, status: 'committing', progress: 100 };
  }

  ownedBy(job: Job<GenerateJobData>, projectId: string, nodeId: string): boolean {
    return job.data.projectId === projectId && job.data.nodeId === nodeId;
  }

  async #route(taskId: string) {
    let route = this.#routes.get(taskId);
    if (!route) {
      const job = await (await this.queueOf(taskId)).getJob(taskId);
      if (!job) return null;
      route = { projectId: job.data.projectId, nodeId: job.data.nodeId };
      this.#routes.set(taskId, route);
    }
    return route;
  }

  /** Success is told by the take committer once the take is in git; the rest is told here. */
  async notify(taskId: string, event: JobEvent): Promise<void> {
    const route = await this.#route(taskId);
    if (!route) return;
    const node_id = route.nodeId;
    let message: Extract<ServerMessage, { node_id: string }> | null = null;
    if (event.on === 'active') message = { type: 'server:node_state_updated', node_id, state: 'generating', task_id: taskId };
    else if (event.on === 'queued') message = { type: 'server:node_state_updated', node_id, state: 'queued', task_id: taskId };
    else if (event.on === 'progress')
      message = { type: 'server:task_progress', task_id: taskId, node_id, progress: Number(event.data.progress ?? 0), step: String(event.data.step ?? '') };
    else if (event.on === 'failed')
      message = event.cancelled
        ? { type: 'server:node_state_updated', node_id, state: 'cancelled', task_id: taskId }
        : { type: 'server:task_failed', task_id: taskId, node_id, error: event.reason };
    if (!message) return;
    const room = await this.ctx.rooms.get(route.projectId).catch(() => null);
    room?.taskEvent(message);
  }

  async close(): Promise<void> {
    for (const [name, events] of this.#events) if (name !== GENERATE_QUEUE) await events.close();
    for (const checker of this.#stalledChecks) await checker.close();
    for (const queue of this.#queues.values()) await queue.close();
    await this.#events.get(GENERATE_QUEUE)!.close();
    await this.#takes.close();
  }
}
