// LoRA training on standalone workers (`npm run worker`): only a worker that can start the trainer
// takes the run, and one SIGKILLed mid-training has its run taken up by another worker, which
// resumes from the checkpoint and yields exactly one LoRA version (real processes, Redis, git, PyTorch).
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../jobs/redis-connection.ts';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { waitForTask } from '../testing/project-fixture.ts';
import { settledJobs } from '../testing/settled-jobs.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { LORA_VERSIONS_QUEUE } from './training-types.ts';
import { trainQueueName } from './training-queues.ts';

// Steps slowed so the kill lands mid-run; a 2 s lock so the stalled run is taken up within seconds.
const common = { RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000', STUDIO_TRAIN_STEP_DELAY_S: '0.3' };

let home: string;
let engine: SpawnedEngine;
let redisUrl: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-train-workers-'));
  engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
  redisUrl = `unix://${join(home, '.redis', 'redis.sock')}`;
});
afterAll(async () => {
  await engine?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

type Detail = { curve: Array<[number, number]> };
const status = async (taskId: string) => (await (await fetch(`${engine.baseUrl}/api/v1/tasks/${taskId}`)).json()) as { status: string; detail: Detail };
const train = (assetId: string, body: Record<string, unknown>) =>
  fetch(`${engine.baseUrl}/api/v1/assets/${assetId}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const workerNames = async () => ((await (await fetch(`${engine.baseUrl}/api/v1/workers`)).json()) as Array<{ name: string }>).map((w) => w.name);
const versionsOf = async (assetId: string) =>
  ((await (await fetch(`${engine.baseUrl}/api/v1/assets/${assetId}`)).json()) as { versions: Array<{ name: string; sidecar: string }> }).versions;

async function characterWithImages(name: string, trigger: string): Promise<string> {
  const { body } = await createAsset(engine.baseUrl, { name, kind: 'character', trigger_word: trigger });
  const images = await Promise.all(Array.from({ length: 4 }, async (_, i) => ({ name: `${trigger}${i}.png`, bytes: await referenceImage(i + 11) })));
  expect((await uploadImages(engine.baseUrl, body.id as string, images)).status).toBe(201);
  return body.id as string;
}

describe('training on standalone workers (real processes)', () => {
  it('refuses a run that no live worker can start: CPU and GPU trainers alike (a worker whose Docker is unreachable starts none)', async () => {
    const id = await characterWithImages('Nobody Runs', 'nobodyruns');
    // RUNNER_BACKEND=docker with no daemon at the socket: this worker can start no pipeline at all.
    // It declares a 24 GB GPU: big enough for every GPU preset, yet it cannot start their trainers either.
    const blind = await spawnWorker({
      ...common,
      RUNNER_BACKEND: 'docker',
      DOCKER_SOCKET: join(home, 'no-docker.sock'),
      WORKER_GPUS: '1',
      WORKER_VRAM_GB: '24',
      STUDIO_HOME: home,
      REDIS_URL: redisUrl,
      WORKER_NAME: 'blind',
    });
    try {
      await expect.poll(workerNames, { timeout: 15_000 }).toContain('blind');
      const refused = await train(id, { base: 'draft', preset: 'cpu', params: { steps: 6 } });
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { error: string; code: string };
      expect(body.code).toBe('NO_CAPABLE_WORKER');
      expect(body.error).toMatch(/draft-lora-train runs on the CPU and no live worker can start it \(blind: /);
      const gpu = await train(id, { base: 'sd15', preset: '12gb', params: { steps: 6 } });
      expect(gpu.status).toBe(503);
      const gpuBody = (await gpu.json()) as { error: string; code: string };
      expect(gpuBody.code).toBe('NO_CAPABLE_WORKER');
      expect(gpuBody.error).toMatch(/needs a GPU with 12 GB that can start train-lora-sd15, and no live GPU worker can start it/);
    } finally {
      await blind.stop();
    }
  }, 120_000);

  it('a worker SIGKILLed mid-training: another resumes from the last checkpoint, and the run yields exactly one version', async () => {
    const id = await characterWithImages('Kill Trained', 'killtrained');
    const first = await spawnWorker({ ...common, STUDIO_HOME: home, REDIS_URL: redisUrl, WORKER_NAME: 'first' });
    const response = await train(id, { base: 'draft', preset: 'cpu', params: { steps: 36 } });
    expect(response.status).toBe(202);
    const { task_id } = (await response.json()) as { task_id: string };
    // Checkpoints every 6 steps (36 / 6): killed past the second one, before the end.
    await expect.poll(async () => (await status(task_id)).detail.curve.length, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(14);
    first.killHard();
    const killedAt = (await status(task_id)).detail.curve.length;
    expect(killedAt).toBeLessThan(36);

    const second = await spawnWorker({ ...common, STUDIO_HOME: home, REDIS_URL: redisUrl, WORKER_NAME: 'second' });
    try {
      const done = await waitForTask(engine.baseUrl, task_id, ['succeeded', 'failed', 'cancelled'], 120_000);
      expect(done.status, JSON.stringify(done).slice(0, 600)).toBe('succeeded');

      const versions = await versionsOf(id);
      expect(versions.map((v) => v.name)).toEqual(['KILL_TRAINED_v01']);
      const sidecar = JSON.parse(await readFile(join(home, 'Library/Generative_Assets', id, versions[0]!.sidecar), 'utf8'));
      // Taken up by the second worker from a checkpoint (a multiple of 6, at or after the second one), not from step 0.
      expect(sidecar.worker).toBe('second');
      expect(sidecar.resumed_from_step % 6).toBe(0);
      expect(sidecar.resumed_from_step).toBeGreaterThanOrEqual(12);
      expect(sidecar.resumed_from_step).toBeLessThanOrEqual(killedAt);
      expect(sidecar.steps).toBe(36);
      const everyStep = Array.from({ length: 36 }, (_, i) => i + 1);
      expect(sidecar.loss_curve.map((p: [number, number]) => p[0])).toEqual(everyStep);
      // The live chart shows each step once, though the steps after the checkpoint ran twice.
      expect((await status(task_id)).detail.curve.map((p) => p[0])).toEqual(everyStep);

      // One hand-over for the task, whichever worker ran it, and no version number used up:
      // the next run of this asset is version 2.
      const handed = await settledJobs(redisOptions({ socketPath: join(home, '.redis', 'redis.sock') }), [
        LORA_VERSIONS_QUEUE,
        trainQueueName(0, 'draft-lora-train'),
      ]);
      expect(handed.filter((j) => j.queueName === LORA_VERSIONS_QUEUE && j.data.taskId === task_id).map((j) => j.id)).toEqual([`version-${task_id}`]);
      const next = (await (await train(id, { base: 'draft', preset: 'cpu', params: { steps: 4 } })).json()) as { task_id: string };
      expect((await waitForTask(engine.baseUrl, next.task_id, ['succeeded', 'failed', 'cancelled'], 60_000)).status).toBe('succeeded');
      expect((await versionsOf(id)).map((v) => v.name)).toEqual(['KILL_TRAINED_v01', 'KILL_TRAINED_v02']);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
