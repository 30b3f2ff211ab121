import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StudioError } from '../../errors.ts';
import { parseRequest } from '../../parse-request.ts';
import type { CancelAnswer, ReusedGeneration, SubmittedGeneration, TaskStatus } from '@studio/node-schemas';
import { actorOf } from '../../auth/request-actor.ts';
import type { EngineContext } from '../context.ts';

class NoJobQueueError extends StudioError {
  override readonly code = 'NO_JOB_QUEUE';
  override readonly status = 503;
}

const GenerateBody = z
  .object({
    project_id: z.string().max(80),
    node_id: z.string().max(128),
    idempotency_key: z.string().min(1).max(128).optional(),
    /** Overrides the project's hardware policy for this job (docs/pipeline-contract.md#hardware-policy). */
    policy: z.enum(['queue', 'fallback']).optional(),
    /** Run again even when an earlier take has the same inputs and parameters (docs/governance.md#reuse). */
    force: z.boolean().optional(),
  })
  .strict();

export function taskRoutes(app: FastifyInstance, ctx: EngineContext) {
  const tasks = () => {
    if (!ctx.tasks) throw new NoJobQueueError('this engine runs no job queue');
    return ctx.tasks;
  };

  app.post('/api/v1/tasks/generate_shot', async (request, reply) => {
    const { project_id, node_id, idempotency_key, policy, force } = parseRequest(GenerateBody, request.body ?? {});
    const submitted = await tasks().submit({ projectId: project_id, nodeId: node_id, idempotencyKey: idempotency_key, policy, force, actor: actorOf(request) });
    // A duplicate is accepted like the first (202), and says it is one; a reused take says which.
    const answer: SubmittedGeneration | ReusedGeneration = {
      task_id: submitted.task_id,
      deduplicated: submitted.deduplicated,
      ...('queue' in submitted ? { queue: submitted.queue, fallback: submitted.fallback } : {}),
      ...('reused' in submitted ? { reused: submitted.reused, take: submitted.take } : {}),
    };
    return reply.status(202).send(answer);
  });

  app.get('/api/v1/tasks/:id', async (request): Promise<TaskStatus> => tasks().status((request.params as { id: string }).id));

  app.post('/api/v1/tasks/:id/cancel', async (request): Promise<CancelAnswer> => tasks().cancel({ taskId: (request.params as { id: string }).id }));
}
