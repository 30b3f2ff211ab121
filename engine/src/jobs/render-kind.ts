import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { FrameRate } from '@studio/node-schemas';
import { compileFromRoom } from '../assembly/export-edl.ts';
import { fileUrl } from '../projects/file-url.ts';
import { frameSize } from './generation-request.ts';
import { baseStatus, type JobEvent, type JobKind, type TaskStatus } from './job-kind.ts';
import type { KindContext } from './generation-kind.ts';
import { RENDER_QUEUE, type RenderJobData, type RenderJobResult } from './render-job.ts';

/** Final renders of an assembler's cut: they report on the assembler node; the movie becomes its last export. */
export class RenderKind implements JobKind<RenderJobData> {
  readonly name = 'render';
  readonly idPrefix = 'render-';
  readonly queue: Queue<RenderJobData, RenderJobResult>;
  readonly #events: QueueEvents;

  constructor(private readonly ctx: KindContext) {
    this.queue = new Queue<RenderJobData, RenderJobResult>(RENDER_QUEUE, { connection: ctx.redis });
    this.#events = new QueueEvents(RENDER_QUEUE, { connection: ctx.redis });
  }

  async queueOf(): Promise<Queue<RenderJobData>> {
    return this.queue;
  }

  queues(): Queue<RenderJobData>[] {
    return [this.queue];
  }

  events(): QueueEvents[] {
    return [this.#events];
  }

  /** Compiles the cut to an EDL now; a worker renders from it. */
  async submit({
    projectId,
    assemblerId,
    fps,
    backend = 'ffmpeg',
  }: {
    projectId: string;
    assemblerId: string;
    fps?: FrameRate;
    backend?: 'ffmpeg' | 'editly';
  }) {
    const room = await this.ctx.rooms.get(projectId);
    const { sequence, lists } = await compileFromRoom({ room, assemblerId, overrides: fps ? { rate: fps, dropFrame: false } : {} });
    const size = frameSize(room.projectManifest.project_settings.aspect_ratio, room.projectManifest.project_settings.quality);
    const taskId = `render-${randomUUID()}`;
    await this.queue.add(
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

  async status(job: Job<RenderJobData, RenderJobResult>, state: string): Promise<TaskStatus> {
    const base = baseStatus(job, state, this.name, { project_id: job.data.projectId, node_id: job.data.nodeId, pipeline: `render:${job.data.backend}` });
    if (state !== 'completed') return base;
    const r = job.returnvalue;
    return { ...base, result: { take: r.output, sidecar: '', version: 0, number: 0, output_url: fileUrl(job.data.projectId, r.output) } };
  }

  ownedBy(job: Job<RenderJobData>, projectId: string, nodeId: string): boolean {
    return job.data.projectId === projectId && job.data.nodeId === nodeId;
  }

  async notify(taskId: string, event: JobEvent): Promise<void> {
    const job = await this.queue.getJob(taskId);
    if (!job) return;
    const room = await this.ctx.rooms.get(job.data.projectId).catch(() => null);
    if (!room) return;
    const node_id = job.data.nodeId;
    if (event.on === 'queued') room.taskEvent({ type: 'server:node_state_updated', node_id, state: 'queued', task_id: taskId });
    else if (event.on === 'active') room.taskEvent({ type: 'server:node_state_updated', node_id, state: 'generating', task_id: taskId });
    else if (event.on === 'progress')
      room.taskEvent({
        type: 'server:task_progress',
        task_id: taskId,
        node_id,
        progress: Number(event.data.progress ?? 0),
        step: String(event.data.step ?? ''),
      });
    else if (event.on === 'failed')
      room.taskEvent(
        event.cancelled
          ? { type: 'server:node_state_updated', node_id, state: 'cancelled', task_id: taskId }
          : { type: 'server:task_failed', task_id: taskId, node_id, error: event.reason },
      );
    else if (event.on === 'completed') {
      const result = (typeof event.result === 'string' ? JSON.parse(event.result) : event.result) as RenderJobResult;
      room.applyServerEdits([{ op: 'update_node', id: node_id, changes: { data: { lastExport: result.output } } }]);
      room.taskEvent({ type: 'server:node_state_updated', node_id, state: 'done', task_id: taskId });
      room.broadcast({
        type: 'server:task_success',
        task_id: taskId,
        node_id,
        result: { output_url: fileUrl(job.data.projectId, result.output), take: result.output, method: result.method },
      });
    }
  }

  async close(): Promise<void> {
    await this.#events.close();
    await this.queue.close();
  }
}
