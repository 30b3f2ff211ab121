import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { WsProbe } from '../testing/ws-probe.ts';

const env = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000', WORKER_HEARTBEAT_TTL_MS: '2500', DISPATCH_WATCHDOG_MS: '500' };
let home: string;
let engine: SpawnedEngine;
const workers: Record<string, Awaited<ReturnType<typeof spawnWorker>>> = {};
const VRAM: Record<string, number> = { gpu12: 12, gpu16: 16, gpu24: 24, gpu48: 48, cpu: 0 };

async function startWorker(name: string) {
  workers[name] = await spawnWorker({
    ...env,
    STUDIO_HOME: home,
    REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`,
    WORKER_NAME: name,
    WORKER_VRAM_GB: String(VRAM[name]),
    // The biggest GPU, on a worker that can start none of the test doubles (they run on the host only).
    ...(name === 'gpu48' ? { RUNNER_BACKEND: 'docker' } : {}),
  });
}

async function liveWorkers(): Promise<
  Array<{ name: string; gpus: Array<{ vramGB: number; jobs: unknown[] }>; pipelines: string[]; unavailable: Record<string, string> }>
> {
  return (await (await fetch(`${engine.baseUrl}/api/v1/workers`)).json()) as never;
}

async function project(name: string, quality: string, sleepMs: number, pipelineId = 'test-gpu-sleep') {
  const id = await projectWithShot(engine.baseUrl, { name, pipelineId, extra: { params: { sleep_ms: sleepMs } } });
  const current = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${id}`)).json()) as { version: number };
  await fetch(`${engine.baseUrl}/api/v1/projects/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: current.version, quality }),
  });
  return id;
}

async function submit(id: string, policy?: string) {
  const res = await fetch(`${engine.baseUrl}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: id, node_id: 'shot-1', ...(policy ? { policy } : {}) }),
  });
  return { status: res.status, body: (await res.json()) as { task_id?: string; queue?: string; error?: string; fallback?: { quality: string } | null } };
}

async function sidecarOf(id: string, take: string) {
  return JSON.parse(await readFile(join(home, 'Projects', id, take.replace(/\.png$/, '.json')), 'utf8')) as {
    worker: string;
    quality: string;
    fallback_from?: { quality: string };
  };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-dispatch-'));
  engine = await spawnEngine({ env: { ...env, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
  await Promise.all(['gpu12', 'gpu16', 'gpu24', 'gpu48', 'cpu'].map(startWorker));
}, 120_000);
afterAll(async () => {
  for (const w of Object.values(workers)) await w.stop().catch(() => undefined);
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('VRAM-aware dispatch (real worker processes on one Redis)', () => {
  it('lists the workers with their GPUs', async () => {
    const listed = await liveWorkers();
    expect(listed.map((w) => w.name)).toEqual(['cpu', 'gpu12', 'gpu16', 'gpu24', 'gpu48']);
    expect(listed.find((w) => w.name === 'gpu24')!.gpus[0]).toMatchObject({ vramGB: 24, jobs: [] });
    expect(listed.find((w) => w.name === 'cpu')!.gpus).toEqual([]);
    // Each says which pipelines it can start, and why not the others.
    expect(listed.find((w) => w.name === 'gpu24')!.pipelines).toEqual(expect.arrayContaining(['test-gpu-sleep', 'test-gpu-share', 'draft-image']));
    const docker = listed.find((w) => w.name === 'gpu48')!;
    expect(docker.pipelines).not.toContain('test-gpu-sleep');
    expect(docker.unavailable['test-gpu-sleep']).toMatch(/^no backend here can run test-gpu-sleep \(docker: test-gpu-sleep has no container\)/);
  });

  it('never places a job on a GPU with less VRAM than its pipeline needs at that quality', async () => {
    const projects = { low: await project('Low', 'low', 300), standard: await project('Standard', 'standard', 300), high: await project('High', 'high', 300) };
    const tasks: Array<{ quality: string; id: string; task: string }> = [];
    for (let i = 0; i < 4; i++)
      for (const [quality, id] of Object.entries(projects)) {
        const { body } = await submit(id, 'queue');
        expect(body.queue).toBe(`gpu-${{ low: 12, standard: 16, high: 24 }[quality]}@test-gpu-sleep`);
        tasks.push({ quality, id, task: body.task_id! });
      }
    for (const t of tasks) {
      const done = await waitForTask(engine.baseUrl, t.task, ['succeeded', 'failed'], 60_000);
      expect(done.status, done.error ?? '').toBe('succeeded');
      const sidecar = await sidecarOf(t.id, done.result!.take);
      expect(VRAM[sidecar.worker]).toBeGreaterThanOrEqual({ low: 12, standard: 16, high: 24 }[t.quality]!);
      if (t.quality === 'high') expect(sidecar.worker).toBe('gpu24');
      // The 48 GB GPU is bigger than any of these need, but its worker cannot start the pipeline.
      expect(sidecar.worker).not.toBe('gpu48');
    }
  });

  it('queue holds a job for the big GPU; fallback drops to a lower quality that fits a free GPU and says so', async () => {
    const id = await project('Busy', 'high', 2500);
    const ws = await WsProbe.open(engine.baseUrl, id);
    await ws.next('server:full_sync');
    const first = await submit(id, 'queue');
    await waitForTask(engine.baseUrl, first.body.task_id!, ['running']);
    const queued = await submit(id, 'queue');
    expect(queued.body.queue).toBe('gpu-24@test-gpu-sleep');
    const fallen = await submit(id, 'fallback');
    expect(fallen.body.queue).toBe('gpu-16@test-gpu-sleep');
    expect(fallen.body.fallback).toMatchObject({ quality: 'high' });
    const notice = await ws.next('server:notice');
    expect(notice.message).toMatch(/^High quality not available on current hardware \(every GPU with 24 GB or more is busy\)\. Fell back to standard/);
    const done = await waitForTask(engine.baseUrl, fallen.body.task_id!, ['succeeded', 'failed'], 60_000);
    const sidecar = await sidecarOf(id, done.result!.take);
    expect(sidecar).toMatchObject({ quality: 'standard', fallback_from: { quality: 'high' } });
    expect(['gpu16', 'gpu24']).toContain(sidecar.worker);
    // The queued one waited for the 24 GB GPU.
    const waited = await waitForTask(engine.baseUrl, queued.body.task_id!, ['succeeded', 'failed'], 60_000);
    expect((await sidecarOf(id, waited.result!.take)).worker).toBe('gpu24');
    ws.close();
  });

  it('runs one job per GPU, except pipelines that declare they can share, and never beyond a GPU’s VRAM', async () => {
    const shared = await project('Shared', 'low', 2500, 'test-gpu-share');
    const exclusive = await project('Exclusive', 'low', 2500);
    const tasks: string[] = [];
    // Exclusive and shareable jobs at once, more than the GPUs can take one each.
    for (let i = 0; i < 6; i++) {
      const one = await submit(shared, 'queue');
      expect(one.body.queue).toBe('gpu-8-shared@test-gpu-share');
      tasks.push(one.body.task_id!);
      if (i % 2) continue;
      const other = await submit(exclusive, 'queue');
      expect(other.body.queue).toBe('gpu-12@test-gpu-sleep');
      tasks.push(other.body.task_id!);
    }
    let mostSharing = 0;
    let exclusiveSeen = 0;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      for (const worker of await liveWorkers()) {
        for (const gpu of worker.gpus as Array<{ vramGB: number; jobs: Array<{ vramGB: number; pipeline: string }> }>) {
          expect(gpu.jobs.reduce((sum, j) => sum + j.vramGB, 0)).toBeLessThanOrEqual(gpu.vramGB);
          if (gpu.jobs.some((j) => j.pipeline === 'test-gpu-sleep')) {
            exclusiveSeen++;
            // An exclusive job has its GPU to itself.
            expect(gpu.jobs.map((j) => j.pipeline)).toEqual(['test-gpu-sleep']);
          } else mostSharing = Math.max(mostSharing, gpu.jobs.length);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // 8 GB jobs: two fit on the 16 GB GPU, three on the 24 GB one; the exclusive ones ran alone.
    expect(mostSharing).toBeGreaterThanOrEqual(2);
    expect(exclusiveSeen).toBeGreaterThan(0);
    for (const t of tasks) expect((await waitForTask(engine.baseUrl, t, ['succeeded', 'failed'], 60_000)).status).toBe('succeeded');
  });

  it('keeps the peaks pipelines report per quality, and dispatches by the observed figure once there is one', async () => {
    const id = await projectWithShot(engine.baseUrl, {
      name: 'Measured',
      pipelineId: 'test-gpu-sleep',
      extra: { params: { sleep_ms: 200, peak_vram_mb: 9216 } },
    });
    const first = await submit(id, 'queue');
    // No run yet: the manifest's 16 GB at standard quality.
    expect(first.body.queue).toBe('gpu-16@test-gpu-sleep');
    expect((await waitForTask(engine.baseUrl, first.body.task_id!, ['succeeded', 'failed'], 60_000)).status).toBe('succeeded');
    const listed = (await (await fetch(`${engine.baseUrl}/api/v1/pipelines`)).json()) as Array<{
      id: string;
      observed: Record<string, unknown>;
      gpu: { vramGB: Record<string, number> };
    }>;
    const sleep = listed.find((p) => p.id === 'test-gpu-sleep')!;
    // 9 GB measured (the earlier standard runs here measured none), 11 GB with headroom; the manifest's figure stays beside it.
    expect(sleep.observed.standard).toMatchObject({ runs: expect.any(Number), peakGB: 9, needGB: 11 });
    expect(sleep.gpu.vramGB.standard).toBe(16);
    const second = await submit(id, 'queue');
    expect(second.body.queue).toBe('gpu-12@test-gpu-sleep');
    const done = await waitForTask(engine.baseUrl, second.body.task_id!, ['succeeded', 'failed'], 60_000);
    expect(VRAM[(await sidecarOf(id, done.result!.take)).worker]).toBeGreaterThanOrEqual(12);
    // A run that measures no peak adds a run, not a figure.
    const unmeasured = await projectWithShot(engine.baseUrl, { name: 'Unmeasured', pipelineId: 'test-gpu-share', extra: { params: { sleep_ms: 100 } } });
    const third = await submit(unmeasured, 'queue');
    expect((await waitForTask(engine.baseUrl, third.body.task_id!, ['succeeded', 'failed'], 60_000)).status).toBe('succeeded');
    const after = (await (await fetch(`${engine.baseUrl}/api/v1/pipelines`)).json()) as Array<{
      id: string;
      observed: Record<string, { runs: number; peakGB: number | null }>;
    }>;
    expect(after.find((p) => p.id === 'test-gpu-share')!.observed.standard).toMatchObject({ runs: expect.any(Number), peakGB: null });
  });

  it('a worker dying while it holds the only big slot: its job is not left waiting forever, and new high jobs fail at once', async () => {
    const id = await project('Only Big', 'high', 4000);
    const ws = await WsProbe.open(engine.baseUrl, id);
    await ws.next('server:full_sync');
    const { body } = await submit(id, 'queue');
    await waitForTask(engine.baseUrl, body.task_id!, ['running']);
    workers.gpu24!.killHard();
    const failed = await ws.next('server:task_failed', 30_000);
    expect(failed.error).toMatch(/No live worker can run this any more: test-gpu-sleep needs 24 GB and the largest live GPU has 16 GB/);
    const refused = await submit(id, 'queue');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('No live worker can run this: test-gpu-sleep needs 24 GB at high quality and the largest live GPU has 16 GB.');
    // Under the fallback policy it runs at standard instead.
    const fallen = await submit(id, 'fallback');
    expect(fallen.status).toBe(202);
    expect(fallen.body.fallback).toMatchObject({ quality: 'high' });
    ws.close();
  });
});
