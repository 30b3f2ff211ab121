import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { ensureWorkspace, workspaceAt, type Workspace } from '../projects/workspace.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { attemptFolderName } from './attempt-folder.ts';
import { jobsDir, startGenerationWorker } from './generation-worker.ts';
import { cpuQueueName } from './cpu-queues.ts';
import { GENERATE_QUEUE, TAKES_QUEUE } from './job-types.ts';
import { sweepJobsDir } from './jobs-sweeper.ts';
import { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { redisOptions } from './redis-connection.ts';

let home: string;
let workspace: Workspace;
let redis: PrivateRedis;
let generate: Queue;
let takes: Queue;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-sweep-'));
  workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  redis = await startPrivateRedis(home);
  generate = new Queue(GENERATE_QUEUE, { connection: redisOptions({ socketPath: redis.socketPath }) });
  takes = new Queue(TAKES_QUEUE, { connection: redisOptions({ socketPath: redis.socketPath }) });
});
afterAll(async () => {
  await generate.close();
  await takes.close();
  await redis.stop();
  await rm(home, { recursive: true, force: true });
});

/** A pid that is not running (pids this large are not handed out by default). */
const DEAD_PID = 4_190_000;

describe('.jobs is cleaned of what crashed and finished jobs left', () => {
  it('removes folders of jobs that are over and attempts whose worker died; keeps what a live job or a pending take needs', async () => {
    const dir = jobsDir(workspace);
    const make = async (...parts: string[]) => mkdir(join(dir, ...parts), { recursive: true });
    // Over: no job and no take job any more (the 352 empty job folders of issue 9).
    for (let i = 0; i < 5; i++) await make(`gen-gone-${i}`);
    // Not a generation's: LoRA training keeps its checkpoints here.
    await make('train-abc', 'state');
    // A job still waiting to be taken up again after its worker was killed.
    await generate.add('generate', {}, { jobId: 'gen-waiting-1' });
    await make('gen-waiting-1', attemptFolderName(1, hostname(), DEAD_PID, 1));
    await make('gen-waiting-1', attemptFolderName(1, hostname(), process.pid, 2));
    await make('gen-waiting-1', attemptFolderName(1, 'other-host', DEAD_PID, 3));
    await make('gen-waiting-1', `attempt-1-${DEAD_PID}-4`);
    // A take waiting to be placed: its output must stay.
    await takes.add('commit', {}, { jobId: 'take-gen-pending-take' });
    await make('gen-pending-take');
    await writeFile(join(dir, 'gen-pending-take', 'result-1.png'), 'png');

    const swept = await sweepJobsDir({ dir, generate, takes });
    expect(swept).toEqual({ folders: 5, attempts: 2 });
    expect((await readdir(dir)).sort()).toEqual(['gen-pending-take', 'gen-waiting-1', 'train-abc']);
    expect((await readdir(join(dir, 'gen-waiting-1'))).sort()).toEqual(
      [attemptFolderName(1, hostname(), process.pid, 2), attemptFolderName(1, 'other-host', DEAD_PID, 3)].sort(),
    );
    expect(await readdir(join(dir, 'gen-pending-take'))).toEqual(['result-1.png']);
    await generate.remove('gen-waiting-1');
    await takes.remove('take-gen-pending-take');
  });

  it('a generation taken up again after it handed its output over does not run again', async () => {
    const connection = redisOptions({ socketPath: redis.socketPath });
    await takes.add('commit', { backend: 'process', runMs: 5, worker: 'first' }, { jobId: 'take-handed-over' });
    // The worker reads only the CPU queues of pipelines it can start: test-noop's.
    const queue = new Queue(cpuQueueName('test-noop'), { connection });
    const events = new QueueEvents(cpuQueueName('test-noop'), { connection });
    await events.waitUntilReady();
    const worker = await startGenerationWorker({
      workspace,
      redis: connection,
      catalogue: new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), TEST_PIPELINES]),
      backends: [new ProcessBackend()],
      name: 'second',
    });
    try {
      const data = {
        projectId: 'p',
        nodeId: 'shot-1',
        nodeType: 'shot',
        subject: { folder: '03_Renders/SCENE_01/SHOT_010', name: 'SHOT-010' },
        pipelineId: 'test-noop',
        taskType: 'generate-image',
        quality: 'standard',
        seed: 1,
        prompt: 'p',
        negativePrompt: '',
        params: {},
        width: 64,
        height: 64,
        aspectRatio: '1:1',
        fps: 24,
        duration: 1,
        inputs: {},
        fingerprint: 'f',
        vramGB: 0,
        shareable: false,
        requestedAt: new Date().toISOString(),
      };
      const job = await queue.add('generate', data, { jobId: 'handed-over' });
      const result = (await job.waitUntilFinished(events, 30_000)) as { resumed?: boolean; worker: string };
      // It did not run the pipeline: the take job is the proof of its work.
      expect(result).toMatchObject({ resumed: true, worker: 'first' });
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });
});
