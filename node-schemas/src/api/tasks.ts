import { z } from 'zod';

/*
 * REST answers of the task API (/api/v1/tasks...), whatever the job kind: the engine types its
 * routes with these, the web app reads them with them.
 */

export const TaskState = z.enum(['queued', 'running', 'committing', 'succeeded', 'failed', 'cancelled']);
export type TaskState = z.infer<typeof TaskState>;

/** Training's detail of a task: its phase, step, loss curve and samples. */
export const TrainingTaskDetail = z.object({
  asset_id: z.string(),
  base: z.string(),
  preset: z.string(),
  phase: z.string(),
  train_step: z.number().nullable(),
  total_steps: z.number(),
  loss: z.number().nullable(),
  eta_s: z.number().nullable(),
  curve: z.array(z.tuple([z.number(), z.number()])),
  samples: z.array(z.object({ step: z.number(), url: z.string() })),
});
export type TrainingTaskDetail = z.infer<typeof TrainingTaskDetail>;

/** GET /api/v1/tasks/:id. */
export const TaskStatus = z.object({
  task_id: z.string(),
  kind: z.string(),
  project_id: z.string(),
  node_id: z.string(),
  pipeline: z.string(),
  status: TaskState,
  /** 0-100. */
  progress: z.number(),
  step: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  /** Kind-specific detail (training: TrainingTaskDetail). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TaskStatus = z.infer<typeof TaskStatus>;

/** A training task as the Asset Manager reads it: its detail is training's. */
export const TrainingTaskStatus = TaskStatus.extend({ detail: TrainingTaskDetail.optional() });
export type TrainingTaskStatus = z.infer<typeof TrainingTaskStatus>;

/** 202 of POST /api/v1/tasks/generate_shot: the task, whether it repeats an earlier one, and where it waits. */
export const SubmittedGeneration = z.object({
  task_id: z.string(),
  deduplicated: z.boolean(),
  queue: z.string().optional(),
  fallback: z.unknown().optional(),
});
export type SubmittedGeneration = z.infer<typeof SubmittedGeneration>;

/** 202 of a render or training submission. */
export const SubmittedTask = z.object({
  task_id: z.string(),
  /** A render of a cut rendered before with the same inputs: the earlier output, at once (docs/governance.md#reuse). */
  reused: z.boolean().optional(),
  output: z.string().optional(),
});
export type SubmittedTask = z.infer<typeof SubmittedTask>;

/** POST /api/v1/tasks/:id/cancel: `cancelling` while a running job is told, else its state. */
export const CancelAnswer = z.object({ task_id: z.string(), status: z.string() });
export type CancelAnswer = z.infer<typeof CancelAnswer>;
