import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { RedisOptions } from 'bullmq';
import { LOCAL_TENANT } from '@studio/node-schemas';
import { readManifest } from '../../projects/manifest-file.ts';
import { existingProjectPath, type Workspace } from '../../projects/workspace.ts';
import type { TaskService } from '../task-service.ts';
import { jobTokenKey, JobTokens } from './job-token.ts';

/**
 * The engine's side of job tokens: when a generation starts running, it mints the job's token and
 * leaves it in Redis for the worker that holds the job (workers trust Redis already: it is how they
 * get work). The token is refused again as soon as the job stops running.
 */
export function startJobTokenIssuer({ tasks, workspace, redis }: { tasks: TaskService; workspace: Workspace; redis: RedisOptions }) {
  const client = new Redis(redis as IORedisOptions);
  client.on('error', () => undefined);
  const tokens = new JobTokens(workspace.home, async (jobId) => (await tasks.status(jobId).catch(() => null))?.status === 'running');
  tasks.addTaskListener(async (taskId, kind, event) => {
    if (kind !== 'generation') return;
    if (event.on === 'completed' || event.on === 'failed') return void (await client.del(jobTokenKey(taskId)));
    if (event.on !== 'active') return;
    const status = await tasks.status(taskId);
    const tenant = (await readManifest(await existingProjectPath(workspace, status.project_id))).tenant ?? LOCAL_TENANT;
    const token = await tokens.mint({ job: taskId, project: status.project_id, tenant });
    await client.set(jobTokenKey(taskId), token, 'EX', 24 * 3600);
  });
  return {
    tokens,
    close: () =>
      client.quit().then(
        () => undefined,
        () => undefined,
      ),
  };
}

/** The worker's side: the token the engine left for a job it holds, or null when none came in time (an engine without gate needs none). */
export async function awaitJobToken(client: Redis, jobId: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const token = await client.get(jobTokenKey(jobId));
    if (token) return token;
    if (Date.now() > deadline) return null;
    // The engine mints it as the job turns active, usually within a few milliseconds of the worker taking it.
    await new Promise((r) => setTimeout(r, 10));
  }
}
