import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';

/**
 * A job's data as its schema says, or a job that fails for good: a worker may run another build
 * than the engine that queued the job, and a payload it cannot read will not read better on retry.
 */
export function parseJobData<S extends z.ZodType>(schema: S, job: { id?: string; name: string; data: unknown }): z.infer<S> {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`)
    .join('; ');
  throw new UnrecoverableError(`job ${job.id ?? '?'} (${job.name}) carries data this worker cannot read: ${problems}`);
}
