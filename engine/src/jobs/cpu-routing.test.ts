import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import { noWorkerNotice } from './dispatch.ts';

const env = { RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000', WORKER_HEARTBEAT_TTL_MS: '2500', DISPATCH_WATCHDOG_MS: '500' };
let home: string;
let engine: SpawnedEngine;
const workers: Record<string, Awaited<ReturnType<typeof spawnWorker>>> = {};
const LACKS = 'test-noop is not installed there (not in its pipeline folders)';

/** A standalone worker whose pipeline folders are `pipelinesPath` (besides the repository's pipelines/). */
async function startWorker(name: string, pipelinesPath: string, concurrency: number) {
  workers[name] = await spawnWorker({
    ...env,
    PIPELINES_PATH: pipelinesPath,
    STUDIO_HOME: home,
    REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`,
    WORKER_NAME: name,
    WORKER_CONCURRENCY: String(concurrency),
  });
}

async function submit(projectId: string) {
  const res = await fetch(`${engine.baseUrl}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, node_id: 'shot-1' }),
  });
  return { status: res.status, body: (await res.json()) as { task_id?: string; queue?: string; error?: string; code?: string } };
}

async function workerOf(projectId: string, take: string): Promise<string> {
  return (JSON.parse(await readFile(join(home, 'Projects', projectId, take.replace(/\.png$/, '.json')), 'utf8')) as { worker: string }).worker;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-cpu-routing-'));
  engine = await spawnEngine({ env: { ...env, PIPELINES_PATH: TEST_PIPELINES, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
}, 60_000);
afterAll(async () => {
  for (const w of Object.values(workers)) await w.stop().catch(() => undefined);
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('CPU jobs go only to workers that can start their pipeline (real engine and worker processes, real Redis)', () => {
  it('queued with no worker live, a CPU job says it waits; it runs once a worker that has the pipeline joins', async () => {
    const id = await projectWithShot(engine.baseUrl, { name: 'Waits', pipelineId: 'test-noop' });
    const ws = await WsProbe.open(engine.baseUrl, id);
    await ws.next('server:full_sync');
    const queued = await submit(id);
    expect(queued).toMatchObject({ status: 202, body: { queue: 'cpu@test-noop' } });
    expect(await ws.next('server:notice')).toMatchObject({ level: 'warning', message: noWorkerNotice('test-noop'), task_id: queued.body.task_id });
    expect((await waitForTask(engine.baseUrl, queued.body.task_id!, ['queued'])).status).toBe('queued');

    // `has` loads the test doubles; `lacking` only a copy of test-fail (test-noop and test-slow are not in its folders).
    await startWorker('has', TEST_PIPELINES, 1);
    const lackingDir = join(home, 'pipelines-lacking');
    await mkdir(lackingDir);
    await cp(join(TEST_PIPELINES, 'test-fail'), join(lackingDir, 'test-fail'), { recursive: true });
    await startWorker('lacking', lackingDir, 4);
    const done = await waitForTask(engine.baseUrl, queued.body.task_id!, ['succeeded', 'failed'], 60_000);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(await workerOf(id, done.result!.take)).toBe('has');
    ws.close();
  });

  it('a worker whose pipeline folders lack the pipeline never takes its jobs, even idle while they wait; the one that has it runs them all', async () => {
    const listed = (await (await fetch(`${engine.baseUrl}/api/v1/workers`)).json()) as Array<{ name: string; pipelines: string[] }>;
    expect(listed.find((w) => w.name === 'lacking')!.pipelines).toContain('test-fail');
    expect(listed.find((w) => w.name === 'lacking')!.pipelines).not.toContain('test-noop');
    expect(listed.find((w) => w.name === 'has')!.pipelines).toContain('test-noop');
    const id = await projectWithShot(engine.baseUrl, { name: 'Routed', pipelineId: 'test-noop' });
    // `has` runs one at a time, so these wait in cpu@test-noop while `lacking` has four idle slots.
    const tasks: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { status, body } = await submit(id);
      expect(status).toBe(202);
      expect(body.queue).toBe('cpu@test-noop');
      tasks.push(body.task_id!);
    }
    for (const task of tasks) {
      const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 60_000);
      // A job `lacking` had taken would have failed there (it cannot find test-noop) or named it in its sidecar.
      expect(done.status, done.error ?? '').toBe('succeeded');
      expect(await workerOf(id, done.result!.take)).toBe('has');
    }
  });

  it('once the only worker that can start it dies, its waiting jobs fail with the reason and new ones are refused', async () => {
    const slow = await projectWithShot(engine.baseUrl, { name: 'Busy', pipelineId: 'test-slow' });
    const id = await projectWithShot(engine.baseUrl, { name: 'Stranded', pipelineId: 'test-noop' });
    const ws = await WsProbe.open(engine.baseUrl, id);
    await ws.next('server:full_sync');
    const busy = await submit(slow);
    expect(busy.body.queue).toBe('cpu@test-slow');
    await waitForTask(engine.baseUrl, busy.body.task_id!, ['running']);
    // Behind the running job on `has`'s only slot.
    const stranded = [(await submit(id)).body.task_id!, (await submit(id)).body.task_id!];
    workers.has!.killHard();
    delete workers.has;
    const failed = new Map<string, string>();
    while (failed.size < stranded.length) {
      const message = await ws.next('server:task_failed', 30_000);
      failed.set(message.task_id, message.error);
    }
    const why = `No live worker can run this any more: test-noop runs on the CPU and no live worker can start it (lacking: ${LACKS}).`;
    expect(Object.fromEntries(failed)).toEqual(Object.fromEntries(stranded.map((t) => [t, why])));
    const refused = await submit(id);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      code: 'NO_CAPABLE_WORKER',
      error: `No live worker can run this: test-noop runs on the CPU and no live worker can start it (lacking: ${LACKS}).`,
    });
    ws.close();
  });
});
