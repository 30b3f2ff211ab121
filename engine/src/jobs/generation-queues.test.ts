import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptFolderName } from './attempt-folder.ts';
import { GenerationQueues } from './generation-queues.ts';
import { cpuQueueName } from './cpu-queues.ts';
import { gpuQueueName } from './gpu-tiers.ts';
import { GENERATE_QUEUE, TAKES_QUEUE } from './job-types.ts';
import { sweepJobsDir } from './jobs-sweeper.ts';
import { moveLegacyCpuJobs } from './legacy-cpu-queue.ts';
import { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { redisOptions } from './redis-connection.ts';

let home: string;
let redis: PrivateRedis;
const queues: Queue[] = [];
let connection: ReturnType<typeof redisOptions>;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-gen-queues-'));
  redis = await startPrivateRedis(home);
  connection = redisOptions({ socketPath: redis.socketPath });
});
afterAll(async () => {
  for (const q of queues) await q.close();
  await redis.stop();
  await rm(home, { recursive: true, force: true });
});

const queue = (name: string) => {
  const q = new Queue(name, { connection });
  queues.push(q);
  return q;
};

describe('a generation job’s state, whichever queue holds it', () => {
  it('finds jobs in the old shared CPU queue, and in per-pipeline CPU and GPU queues that appeared later', async () => {
    const states = new GenerationQueues(connection);
    await queue(GENERATE_QUEUE).add('generate', {}, { jobId: 'legacy-1' });
    expect(await states.getJobState('legacy-1')).toBe('waiting');
    expect(await states.getJobState('gpu-1')).toBe('unknown');
    expect(await states.getJobState('cpu-1')).toBe('unknown');
    await queue(gpuQueueName(24, false, 'test-gpu-sleep')).add('generate', {}, { jobId: 'gpu-1' });
    await queue(cpuQueueName('test-noop')).add('generate', {}, { jobId: 'cpu-1' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await states.getJobState('gpu-1')).toBe('waiting');
    expect(await states.getJobState('cpu-1')).toBe('waiting');
    await states.close();
  });

  it('the .jobs sweeper keeps the folder of a GPU job still queued or running (it looked only at the CPU queue)', async () => {
    const dir = join(home, '.jobs');
    const takes = queue(TAKES_QUEUE);
    await queue(gpuQueueName(12, false, 'test-gpu-sleep')).add('generate', {}, { jobId: 'gen-gpu-running' });
    await mkdir(join(dir, 'gen-gpu-running', attemptFolderName(1, hostname(), process.pid, 1)), { recursive: true });
    // What the sweeper did before: the CPU queue does not know the job, so its folder went.
    const cpuOnly = queue(GENERATE_QUEUE);
    await mkdir(join(dir, 'gen-gpu-elsewhere', attemptFolderName(1, hostname(), process.pid, 1)), { recursive: true });
    await queue(gpuQueueName(12, false, 'test-gpu-sleep')).add('generate', {}, { jobId: 'gen-gpu-elsewhere' });
    expect(await sweepJobsDir({ dir, generate: cpuOnly, takes, host: hostname() })).toMatchObject({ folders: 2 });
    // With every generation queue: kept.
    await mkdir(join(dir, 'gen-gpu-running', attemptFolderName(1, hostname(), process.pid, 1)), { recursive: true });
    const states = new GenerationQueues(connection);
    expect(await sweepJobsDir({ dir, generate: states, takes, host: hostname() })).toEqual({ folders: 0, attempts: 0 });
    expect(await readdir(dir)).toEqual(['gen-gpu-running']);
    await states.close();
  });

  it('jobs still waiting in the old shared CPU queue move to their pipeline’s queue under the same id and options', async () => {
    const legacy = queue(GENERATE_QUEUE);
    await legacy.add(
      'generate',
      { pipelineId: 'test-slow', projectId: 'p' },
      { jobId: 'gen-legacy-2', attempts: 3, backoff: { type: 'exponential', delay: 2000 } },
    );
    const recorded: Array<[string, string]> = [];
    const moved = await moveLegacyCpuJobs({ legacy, target: (name) => queue(name), recordQueue: async (task, name) => void recorded.push([task, name]) });
    // legacy-1 (from the first test) has no pipeline in its data: it stays.
    expect(moved).toBe(1);
    expect(recorded).toEqual([['gen-legacy-2', 'cpu@test-slow']]);
    expect(await legacy.getJob('gen-legacy-2')).toBeUndefined();
    const job = await queue(cpuQueueName('test-slow')).getJob('gen-legacy-2');
    expect(job).toMatchObject({ data: { pipelineId: 'test-slow', projectId: 'p' }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 2000 } } });
    expect(await job!.getState()).toBe('waiting');
  });
});
