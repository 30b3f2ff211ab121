import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { FrameRate } from '@studio/node-schemas';
import { compileFromRoom } from '../assembly/export-edl.ts';
import { fileUrl } from '../projects/file-url.ts';
import { rememberRender, renderSignature, reusableRender } from '../assembly/render/render-signature.ts';
import { frameSize } from './generation-request.ts';
import { baseStatus, type JobEvent, type JobKind, type TaskStatus } from './job-kind.ts';
import type { KindContext } from './generation-kind.ts';
import { RENDER_QUEUE, RenderJobExtras, type RenderJobData, type RenderJobResult } from './render-job.ts';

type RenderJob = RenderJobData & Partial<RenderJobExtras>;
type RenderResult = RenderJobResult & { draft?: boolean };

/** A draft renders at half the project's frame size (even, as H.264 wants). */
const half = (n: number) => Math.max(2, Math.round(n / 4) * 2);

/** Final renders of an assembler's cut: they report on the assembler node; the movie becomes its last export. */
export class RenderKind implements JobKind<RenderJob> {
  readonly name = 'render';
  readonly idPrefix = 'render-';
  readonly queue: Queue<RenderJob, RenderResult>;
  readonly #events: QueueEvents;

  constructor(private readonly ctx: KindContext) {
    this.queue = new Queue<RenderJob, RenderResult>(RENDER_QUEUE, { connection: ctx.redis });
    this.#events = new QueueEvents(RENDER_QUEUE, { connection: ctx.redis });
  }

  async queueOf(): Promise<Queue<RenderJob>> {
    return this.queue;
  }

  queues(): Queue<RenderJob>[] {
    return [this.queue];
  }

  events(): QueueEvents[] {
    return [this.#events];
  }

  /**
   * Compiles the cut to an EDL now; a worker renders from it. A draft renders at half size with a
   * DRAFT watermark. A cut whose inputs (list, size, renderer, draft) equal an earlier render's whose
   * movie is still there answers at once with that movie (`reused`), unless `force`.
   */
  async submit({
    projectId,
    assemblerId,
    fps,
    backend = 'ffmpeg',
    draft = false,
    force = false,
  }: {
    projectId: string;
    assemblerId: string;
    fps?: FrameRate;
    backend?: 'ffmpeg' | 'editly';
    draft?: boolean;
    force?: boolean;
  }): Promise<{ task_id: string; reused: boolean; output?: string }> {
    const room = await this.ctx.rooms.get(projectId);
    const { sequence, lists } = await compileFromRoom({ room, assemblerId, overrides: fps ? { rate: fps, dropFrame: false } : {} });
    const full = frameSize(room.projectManifest.project_settings.aspect_ratio, room.projectManifest.project_settings.quality);
    const size = draft ? { width: half(full.width), height: half(full.height) } : full;
    const edlText = lists.join('');
    const signature = renderSignature({ edlText, ...size, backend, draft });
    const earlier = force ? null : await reusableRender(room.dir, signature);
    if (earlier) {
      const name = earlier.output.split('/').pop();
      room.broadcast({
        type: 'server:notice',
        level: 'info',
        message: `Nothing changed since the ${draft ? 'draft ' : ''}render of ${earlier.at.slice(0, 19).replace('T', ' ')}: reusing ${name}. Render again to force a new one.`,
        node_id: assemblerId,
        task_id: earlier.taskId,
      });
      room.taskEvent({ type: 'server:node_state_updated', node_id: assemblerId, state: 'done', task_id: earlier.taskId });
      room.broadcast({
        type: 'server:task_success',
        task_id: earlier.taskId,
        node_id: assemblerId,
        result: { output_url: fileUrl(projectId, earlier.output), take: earlier.output, reused: true, draft },
      });
      return { task_id: earlier.taskId, reused: true, output: earlier.output };
    }
    const taskId = `render-${randomUUID()}`;
    await this.queue.add(
      'render',
      {
        projectId,
        nodeId: assemblerId,
        title: sequence.settings.title,
        edlText,
        rate: sequence.settings.rate,
        dropFrame: sequence.settings.dropFrame,
        ...size,
        backend,
        frames: sequence.frames,
        draft,
        signature,
      },
      { jobId: taskId, attempts: 1, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 7 * 86400 } },
    );
    room.taskEvent({ type: 'server:node_state_updated', node_id: assemblerId, state: 'queued', task_id: taskId });
    return { task_id: taskId, reused: false };
  }

  async status(job: Job<RenderJob, RenderResult>, state: string): Promise<TaskStatus> {
    const base = baseStatus(job, state, this.name, { project_id: job.data.projectId, node_id: job.data.nodeId, pipeline: `render:${job.data.backend}` });
    if (state !== 'completed') return base;
    const r = job.returnvalue;
    return {
      ...base,
      result: {
        take: r.output,
        sidecar: '',
        version: 0,
        number: 0,
        output_url: fileUrl(job.data.projectId, r.output),
        draft: job.data.draft === true,
        method: r.method,
      },
    };
  }

  ownedBy(job: Job<RenderJob>, projectId: string, nodeId: string): boolean {
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
      const result = (typeof event.result === 'string' ? JSON.parse(event.result) : event.result) as RenderResult;
      const draft = job.data.draft === true;
      // A draft never takes the final render's place as the assembler's last export.
      if (!draft) room.applyServerEdits([{ op: 'update_node', id: node_id, changes: { data: { lastExport: result.output } } }]);
      if (job.data.signature)
        await rememberRender(room.dir, job.data.signature, { output: result.output, taskId, at: new Date().toISOString() }).catch(() => undefined);
      room.taskEvent({ type: 'server:node_state_updated', node_id, state: 'done', task_id: taskId });
      room.broadcast({
        type: 'server:task_success',
        task_id: taskId,
        node_id,
        result: { output_url: fileUrl(job.data.projectId, result.output), take: result.output, method: result.method, draft, reused: false },
      });
      if (draft) room.broadcast({ type: 'server:notice', level: 'info', message: `Draft render ready: ${result.output}`, node_id, task_id: taskId });
    }
  }

  async close(): Promise<void> {
    await this.#events.close();
    await this.queue.close();
  }
}
