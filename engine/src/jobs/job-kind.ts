import type { Job, Queue, QueueEvents } from 'bullmq';
import { StudioError } from '../errors.ts';

export class TaskNotFoundError extends StudioError {
  override readonly code = 'TASK_NOT_FOUND';
  override readonly status = 404;
}

/** A task as `/api/v1/tasks/:id` shows it, whatever its kind: the node-schemas REST contract. */
export type { TaskState, TaskStatus } from '@studio/node-schemas';
import type { TaskState, TaskStatus } from '@studio/node-schemas';

/** The events a job's queue reports, as a kind hears them. */
export type JobEvent =
  | { on: 'queued' }
  | { on: 'active' }
  | { on: 'progress'; data: Record<string, unknown> }
  | { on: 'completed'; result: unknown }
  | { on: 'failed'; reason: string; cancelled: boolean };

/**
 * One kind of job (generation, render, training...) behind the one task API: its queues, task id
 * prefix, how its status reads, and who hears its events. TaskService knows nothing else of it.
 */
// A registry holds kinds of different data, so the default is any; each kind names its own type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JobKind<Data = any> {
  readonly name: string;
  /** Task ids of this kind start with it, e.g. `render-`. */
  readonly idPrefix: string;
  /** The queue a task of this kind is in. */
  queueOf(taskId: string): Promise<Queue<Data>>;
  /** Every queue of this kind made so far (for cancel by node, close). */
  queues(): Queue<Data>[];
  /** QueueEvents to listen on; a kind that makes queues later calls `listen` itself. */
  events(): QueueEvents[];
  status(job: Job<Data>, state: string): Promise<TaskStatus>;
  /** Tells whoever follows the task (a project's clients, the asset library's) what happened. */
  notify(taskId: string, event: JobEvent): Promise<void> | void;
  /** Whether a job belongs to a node of a project (cancel by node). */
  ownedBy?(job: Job<Data>, projectId: string, nodeId: string): boolean;
  close(): Promise<void>;
}

/** The fields of a status every kind fills the same way from BullMQ's job state. */
export function baseStatus(job: Job, state: string, kind: string, fields: { project_id?: string; node_id?: string; pipeline: string }): TaskStatus {
  const progress = (job.progress ?? {}) as { progress?: number; step?: string };
  const status: TaskState =
    state === 'failed'
      ? job.failedReason === 'cancelled'
        ? 'cancelled'
        : 'failed'
      : state === 'completed'
        ? 'succeeded'
        : state === 'active'
          ? 'running'
          : 'queued';
  return {
    task_id: job.id!,
    kind,
    project_id: fields.project_id ?? '',
    node_id: fields.node_id ?? '',
    pipeline: fields.pipeline,
    status,
    progress: status === 'succeeded' ? 100 : (progress.progress ?? 0),
    step: progress.step ?? null,
    result: null,
    error: state === 'failed' ? (job.failedReason ?? 'failed') : null,
  };
}
