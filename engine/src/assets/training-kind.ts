import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { LOCAL_TENANT, LORA_SIDECAR_FORMAT, type LibraryTrainingEvent, type TrainingBase, type TrainingParams } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import { NoCapableWorkerError, noCapableCpu, noCapableGpu } from '../jobs/dispatch.ts';
import type { KindContext } from '../jobs/generation-kind.ts';
import { baseStatus, type JobEvent, type JobKind, type TaskStatus } from '../jobs/job-kind.ts';
import { liveWorkers } from '../jobs/worker-registry.ts';
import { queueNamesMatching } from '../jobs/queue-discovery.ts';
import { JOB_ADDED_CHANNEL } from '../jobs/job-added.ts';
import type { AssetLibrary } from './asset-library.ts';
import { DatasetRefusedError } from './asset-errors.ts';
import type { LibraryHub } from './library-hub.ts';
import { stampLora } from './lora-metadata.ts';
import { trainingBase } from './presets.ts';
import { LORA_VERSIONS_QUEUE, TRAIN_QUEUE, curveKey, samplesKey, LoraVersionJobData, type TrainJobData } from './training-types.ts';
import { parseJobData } from '../jobs/parse-job-data.ts';
import { TRAIN_QUEUE_META_PATTERN, isLegacyTrainQueue, trainQueueName } from './training-queues.ts';

/** Fewest included images a LoRA is trained from (fluxgym takes 2; fewer than 4 rarely generalises). */
export const MIN_TRAINING_IMAGES = 4;
const CLAIM_PREFIX = 'studio:task-claim:';

export const sampleUrl = (assetId: string, taskId: string, rel: string) => `/api/v1/assets/${assetId}/samples/${taskId}/${rel.replace(/^samples\//, '')}`;

/**
 * Training (docs/assets.md#training, a job kind): `train-` tasks on their trainer's queue
 * (`train@draft-lora-train` on the CPU, `train-24gb@train-lora-flux` for a GPU preset: see
 * training-queues.ts), read only by workers that can start that trainer (and, for GPU presets,
 * hold it), with a stalled-job check per queue so a run whose worker died is taken up again. Its
 * events go to the Asset Manager over /ws/library; a finished run is handed to the engine on
 * `lora-versions`, which stamps the header and commits the asset's next version, once per task.
 */
export class TrainingKind implements JobKind<TrainJobData> {
  readonly name = 'training';
  readonly idPrefix = 'train-';
  readonly #queues = new Map<string, Queue<TrainJobData>>();
  readonly #events: QueueEvents[] = [];
  readonly #stalledChecks: Worker[] = [];
  /** Opening the training queues a previous engine made, and moving jobs out of the old shared ones. */
  readonly #opening: Promise<void>;
  readonly #versions: Queue<LoraVersionJobData>;
  readonly #versionEvents: QueueEvents;
  readonly #committer: Worker<LoraVersionJobData>;

  constructor(
    private readonly ctx: KindContext,
    private readonly libraryOf: (tenant: string) => AssetLibrary,
    private readonly hub: LibraryHub,
  ) {
    this.#queue(TRAIN_QUEUE);
    this.#versions = new Queue(LORA_VERSIONS_QUEUE, { connection: ctx.redis });
    this.#versionEvents = new QueueEvents(LORA_VERSIONS_QUEUE, { connection: ctx.redis });
    this.#committer = new Worker<LoraVersionJobData>(LORA_VERSIONS_QUEUE, (job) => this.#commitVersion(parseJobData(LoraVersionJobData, job)), {
      connection: ctx.redis,
      concurrency: 1,
    });
    this.#committer.on('error', () => undefined);
    this.#committer.on('completed', (job, version) =>
      this.hub.broadcast({
        type: 'library:training',
        task_id: job.data.taskId,
        asset_id: job.data.request.assetId,
        state: 'succeeded',
        phase: 'done',
        step: `version ${version.name}`,
        version,
      }),
    );
    this.#committer.on('failed', (job, error) => {
      if (job)
        this.hub.broadcast({
          type: 'library:training',
          task_id: job.data.taskId,
          asset_id: job.data.request.assetId,
          state: 'failed',
          error: `the LoRA could not be saved: ${error.message}`,
        });
    });
    this.#opening = this.#openExisting().catch(() => undefined);
  }

  static queueFor(vramGB: number, pipelineId: string): string {
    return trainQueueName(vramGB, pipelineId);
  }

  /**
   * Opens every training queue in Redis (to hear its events and check its stalled jobs), and moves
   * jobs still waiting in the shared queues used before (`train`, `train-<N>gb`, which no worker
   * reads any more) to their trainer's queue under the same task id. Added before removed: a crash
   * in between leaves a job in both, never in neither.
   */
  async #openExisting(): Promise<void> {
    for (const name of await queueNamesMatching(this.ctx.publisher, TRAIN_QUEUE_META_PATTERN)) {
      const queue = this.#queue(name);
      if (!isLegacyTrainQueue(name)) continue;
      for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'])) {
        if (!job?.id || !job.data?.pipelineId) continue;
        const target = trainQueueName(job.data.vramGB, job.data.pipelineId);
        const { attempts, removeOnComplete, removeOnFail } = job.opts;
        await this.#queue(target).add(job.name, job.data, { jobId: job.id, attempts, removeOnComplete, removeOnFail });
        await this.ctx.publisher.hset('studio:task-queues', job.id, target);
        await job.remove().catch(() => undefined);
      }
    }
  }

  #queue(name: string): Queue<TrainJobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<TrainJobData>(name, { connection: this.ctx.redis });
      this.#queues.set(name, queue);
      const events = new QueueEvents(name, { connection: this.ctx.redis });
      this.#events.push(events);
      // The constructor's first queue is listened to through events(); later ones here.
      if (this.#queues.size > 1) this.ctx.listen(this, events);
      if (!isLegacyTrainQueue(name)) {
        // The only worker able to run this trainer may be the one that died: the engine checks too.
        const { lockDurationMs } = this.ctx;
        const checker = new Worker(name, null, {
          connection: this.ctx.redis,
          lockDuration: lockDurationMs,
          stalledInterval: Math.max(1000, Math.floor(lockDurationMs / 2)),
          maxStalledCount: 3,
        });
        checker.on('error', () => undefined);
        void checker.startStalledCheckTimer().catch(() => undefined);
        this.#stalledChecks.push(checker);
      }
    }
    return queue;
  }

  async queueOf(taskId: string): Promise<Queue<TrainJobData>> {
    const name = await this.ctx.publisher.hget('studio:task-queues', taskId);
    return this.#queue(name ?? TRAIN_QUEUE);
  }

  queues(): Queue<TrainJobData>[] {
    return [...this.#queues.values()];
  }

  events(): QueueEvents[] {
    return [this.#events[0]!];
  }

  /** Validates everything before anything is queued: the dataset, the preset, the params, a worker able to run it. */
  async submit({
    assetId,
    base,
    preset,
    params,
    idempotencyKey,
    resumeFrom,
    stepDelayS = 0,
    tenant = LOCAL_TENANT,
  }: {
    assetId: string;
    base: TrainingBase;
    preset: string;
    params?: Partial<TrainingParams>;
    idempotencyKey?: string;
    resumeFrom?: string;
    stepDelayS?: number;
    /** The asking user's tenant: only its own library's assets can be trained. */
    tenant?: string;
  }) {
    await this.#opening;
    const asset = await this.libraryOf(tenant).get(assetId);
    const info = trainingBase(base);
    const chosen = info.presets.find((p) => p.id === preset);
    if (!chosen) throw new InvalidRequestError(`${info.label} has no preset '${preset}': ${info.presets.map((p) => p.id).join(', ')}`, { preset });
    const included = asset.images.filter((i) => !i.excluded);
    if (included.length < MIN_TRAINING_IMAGES)
      throw new DatasetRefusedError(
        `${asset.name} has ${included.length} included image${included.length === 1 ? '' : 's'}: training needs at least ${MIN_TRAINING_IMAGES}`,
        { images: included.length },
      );
    const missing = included.filter((i) => !i.caption.toLowerCase().includes(asset.trigger_word.toLowerCase()));
    if (missing.length)
      throw new DatasetRefusedError(`${missing.length} caption${missing.length === 1 ? ' lacks' : 's lack'} the trigger word ${asset.trigger_word}`, {
        images: missing.map((i) => i.id),
      });
    if (resumeFrom) {
      const previous = await (await this.queueOf(resumeFrom)).getJob(resumeFrom);
      if (!previous || previous.data.assetId !== assetId || (previous.data.tenant ?? LOCAL_TENANT) !== tenant)
        throw new InvalidRequestError(`no training task ${resumeFrom.slice(0, 80)} of this asset to resume`, { resume_from: resumeFrom.slice(0, 80) });
      if (['active', 'waiting', 'delayed'].includes(await previous.getState()))
        throw new InvalidRequestError(`task ${resumeFrom} is still running`, { resume_from: resumeFrom });
    }
    const full = { ...chosen.params, ...params };
    // Only a worker that can start the trainer reads its queue: refused now if no live one can.
    // A CPU run sent while no worker at all is running waits for one, as a CPU generation does.
    const workers = await liveWorkers(this.ctx.publisher);
    const manifest = this.ctx.catalogue.get(info.pipeline).manifest;
    if (chosen.vramGB) {
      const why = noCapableGpu(workers, manifest, chosen.vramGB);
      if (why)
        throw new NoCapableWorkerError(`${info.label} at ${chosen.label} needs a GPU with ${chosen.vramGB} GB that can start ${info.pipeline}, and ${why}`, {
          pipeline: info.pipeline,
          vram_gb: chosen.vramGB,
        });
    } else {
      const why = noCapableCpu(workers, manifest);
      if (why)
        throw new NoCapableWorkerError(`No live worker can run this: ${info.pipeline} runs on the CPU and ${why}.`, { pipeline: info.pipeline, vram_gb: 0 });
    }
    const taskId = idempotencyKey
      ? `train-${createHash('sha256')
          .update(`${tenant === LOCAL_TENANT ? '' : `${tenant}\0`}${assetId}\0${idempotencyKey}`)
          .digest('base64url')
          .slice(0, 32)}`
      : `train-${randomUUID()}`;
    if (idempotencyKey && (await this.ctx.publisher.set(`${CLAIM_PREFIX}${taskId}`, '1', 'EX', 7 * 86400, 'NX')) !== 'OK')
      return { task_id: taskId, deduplicated: true };
    const queueName = TrainingKind.queueFor(chosen.vramGB, info.pipeline);
    const data: TrainJobData = {
      ...(tenant === LOCAL_TENANT ? {} : { tenant }),
      assetId,
      assetName: asset.name,
      triggerWord: asset.trigger_word,
      base,
      preset,
      pipelineId: info.pipeline,
      params: full,
      images: included.map((i) => ({ id: i.id, file: i.file, sha256: i.sha256, caption: i.caption })),
      resumeFrom: resumeFrom ?? null,
      checkpointEvery: Math.max(1, Math.min(50, Math.ceil(full.steps / 6))),
      sampleEvery: Math.max(1, Math.ceil(full.steps / 4)),
      stepDelayS,
      vramGB: chosen.vramGB,
      requestedAt: new Date().toISOString(),
    };
    await this.ctx.publisher.hset('studio:task-queues', taskId, queueName);
    await this.#queue(queueName).add('train', data, {
      jobId: taskId,
      // A worker that dies mid-run has the job taken up again (resuming from the checkpoint); a failed trainer is not retried.
      attempts: 1,
      removeOnComplete: { age: 30 * 86400 },
      removeOnFail: { age: 30 * 86400 },
    });
    // Idle workers wake for it now rather than at their next poll.
    await this.ctx.publisher.publish(JOB_ADDED_CHANNEL, queueName).catch(() => undefined);
    this.hub.broadcast({
      type: 'library:training',
      task_id: taskId,
      asset_id: assetId,
      state: 'queued',
      phase: 'queued',
      step: 'Queued',
      total_steps: full.steps,
    });
    return { task_id: taskId, deduplicated: false, queue: queueName };
  }

  async #commitVersion(data: LoraVersionJobData) {
    const { request } = data;
    const info = trainingBase(request.base);
    const trained = await readFile(data.loraPath);
    const library = this.libraryOf(request.tenant ?? LOCAL_TENANT);
    const asset = await library.get(request.assetId);
    const cover = asset.cover ? asset.images.find((i) => i.id === asset.cover) : undefined;
    const thumb = cover ? await readFile(join(library.dir(asset.id), 'thumbs', `${cover.id}.webp`)).catch(() => null) : null;
    const finishedAt = new Date(data.finishedAt);
    return library.addVersion(request.assetId, {
      taskId: data.taskId,
      base: request.base,
      make: (name) =>
        stampLora(trained, {
          outputName: name,
          title: `${asset.name} (${name})`,
          triggerWord: request.triggerWord,
          description: asset.description || `${asset.kind} LoRA of ${asset.name}`,
          ssBaseModelVersion: info.ssBaseModelVersion,
          architecture: info.architecture,
          networkModule: 'networks.lora',
          rank: request.params.rank,
          alpha: request.params.alpha,
          resolution: request.params.resolution,
          numTrainImages: request.images.length,
          steps: data.log.steps,
          startedAt: new Date(data.startedAt),
          finishedAt,
          thumbnail: thumb ? `data:image/webp;base64,${thumb.toString('base64')}` : undefined,
        }),
      sidecar: (version) => ({
        format: LORA_SIDECAR_FORMAT,
        asset: { id: asset.id, name: asset.name, kind: asset.kind, trigger_word: request.triggerWord },
        version: version.version,
        file: version.path,
        sha256: version.sha256,
        task_id: data.taskId,
        base: request.base,
        pipeline: request.pipelineId,
        preset: request.preset,
        params: request.params,
        seed: request.params.seed,
        steps: data.log.steps,
        resumed_from_step: data.log.resumed_from,
        resumed_from_task: request.resumeFrom,
        dataset: request.images.map((i) => ({ id: i.id, sha256: i.sha256, caption: i.caption })),
        loss_curve: data.log.curve,
        worker: data.worker,
        backend: data.backend,
        image_digest: data.imageDigest,
        timings: { requested_at: request.requestedAt, started_at: data.startedAt, finished_at: data.finishedAt, run_ms: data.runMs },
      }),
    });
  }

  async status(job: Job<TrainJobData>, state: string): Promise<TaskStatus> {
    const base = baseStatus(job, state, this.name, { pipeline: job.data.pipelineId });
    const [curve, samples] = await Promise.all([this.ctx.publisher.lrange(curveKey(job.id!), 0, -1), this.ctx.publisher.lrange(samplesKey(job.id!), 0, -1)]);
    const progress = (job.progress ?? {}) as Record<string, unknown>;
    const detail = {
      asset_id: job.data.assetId,
      base: job.data.base,
      preset: job.data.preset,
      phase: progress.phase ?? (state === 'active' ? 'preparing' : state),
      train_step: progress.train_step ?? null,
      total_steps: job.data.params.steps,
      loss: progress.loss ?? null,
      eta_s: progress.eta_s ?? null,
      curve: curve.map((c) => JSON.parse(c) as [number, number]),
      samples: samples.map((s) => JSON.parse(s) as { step: number; url: string }),
    };
    if (state !== 'completed') return { ...base, detail };
    const version = await this.#versions.getJob(`version-${job.id}`);
    const versionState = version ? await version.getState() : 'unknown';
    if (version && versionState === 'completed') return { ...base, status: 'succeeded', result: { version: version.returnvalue }, detail };
    if (version && versionState === 'failed') return { ...base, status: 'failed', error: `the LoRA could not be saved: ${version.failedReason}`, detail };
    return { ...base, status: 'committing', detail };
  }

  async notify(taskId: string, event: JobEvent): Promise<void> {
    const job = await (await this.queueOf(taskId)).getJob(taskId);
    if (!job) return;
    const common = { type: 'library:training' as const, task_id: taskId, asset_id: job.data.assetId };
    let message: LibraryTrainingEvent | null = null;
    if (event.on === 'active') message = { ...common, state: 'running', phase: 'preparing', step: 'Preparing dataset' };
    else if (event.on === 'queued') message = { ...common, state: 'queued', phase: 'queued', step: 'Queued' };
    else if (event.on === 'progress') {
      const d = event.data;
      message = {
        ...common,
        state: 'running',
        phase: typeof d.phase === 'string' ? d.phase : undefined,
        step: typeof d.step === 'string' ? d.step : undefined,
        train_step: typeof d.train_step === 'number' ? d.train_step : undefined,
        total_steps: typeof d.total_steps === 'number' ? d.total_steps : undefined,
        loss: typeof d.loss === 'number' ? d.loss : undefined,
        eta_s: typeof d.eta_s === 'number' ? d.eta_s : undefined,
        sample_url: typeof d.sample_url === 'string' ? d.sample_url : undefined,
      };
    } else if (event.on === 'failed')
      message = {
        ...common,
        state: event.cancelled ? 'cancelled' : 'failed',
        phase: event.cancelled ? 'cancelled' : 'failed',
        ...(event.cancelled ? {} : { error: event.reason }),
      };
    // 'completed' is told by the version committer, once the version is in git.
    if (message) this.hub.broadcast(message);
  }

  async close(): Promise<void> {
    await this.#opening;
    for (const checker of this.#stalledChecks) await checker.close();
    await this.#committer.close();
    await this.#versionEvents.close();
    for (const events of this.#events) await events.close();
    for (const queue of this.#queues.values()) await queue.close();
    await this.#versions.close();
  }
}
