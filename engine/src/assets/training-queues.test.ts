import { Queue } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainJobData } from '@studio/node-schemas';
import { jobApp } from '../testing/job-app.ts';
import { LibraryHub } from './library-hub.ts';
import { TrainingKind } from './training-kind.ts';
import { isLegacyTrainQueue, parseTrainQueue, trainQueueName } from './training-queues.ts';

describe('training queue names', () => {
  it('name one queue per trainer, on the CPU or at a preset VRAM, and read back what they name', () => {
    expect(trainQueueName(0, 'draft-lora-train')).toBe('train@draft-lora-train');
    expect(trainQueueName(24, 'train-lora-flux')).toBe('train-24gb@train-lora-flux');
    expect(parseTrainQueue('train@draft-lora-train')).toEqual({ name: 'train@draft-lora-train', vramGB: 0, pipeline: 'draft-lora-train' });
    expect(parseTrainQueue('train-16gb@train-lora-sdxl')).toEqual({ name: 'train-16gb@train-lora-sdxl', vramGB: 16, pipeline: 'train-lora-sdxl' });
    for (const other of ['train', 'train-24gb', 'cpu@draft-lora-train', 'gpu-24@train-lora-flux', 'train@', 'train@../x', 'lora-versions'])
      expect(parseTrainQueue(other), other).toBeNull();
    expect(['train', 'train-24gb'].every(isLegacyTrainQueue)).toBe(true);
    expect(['train@draft-lora-train', 'train-24gb@train-lora-flux', 'training'].some(isLegacyTrainQueue)).toBe(false);
  });
});

describe('runs left in the shared training queues used before (real Redis)', () => {
  let studio: Awaited<ReturnType<typeof jobApp>>;
  beforeAll(async () => (studio = await jobApp({ inProcessWorker: false })));
  afterAll(() => studio?.close());

  const job = (pipelineId: string, vramGB: number): TrainJobData => ({
    assetId: 'ast-legacy',
    assetName: 'Legacy',
    triggerWord: 'legacy',
    base: vramGB ? 'flux1-dev' : 'draft',
    preset: vramGB ? '24gb' : 'cpu',
    pipelineId,
    params: { rank: 4, alpha: 4, lr: 0.01, steps: 6, resolution: 32, batch: 2, seed: 1 } as TrainJobData['params'],
    images: [],
    resumeFrom: null,
    checkpointEvery: 1,
    sampleEvery: 1,
    stepDelayS: 0,
    vramGB,
    requestedAt: new Date().toISOString(),
  });

  it('are moved to their trainer’s queue under the same task id when the engine starts, and the task is found there', async () => {
    const cpu = new Queue('train', { connection: studio.connection });
    const gpu = new Queue('train-24gb', { connection: studio.connection });
    await cpu.add('train', job('draft-lora-train', 0), { jobId: 'train-legacy-cpu' });
    await gpu.add('train', job('train-lora-flux', 24), { jobId: 'train-legacy-gpu' });
    const publisher = new Redis(studio.connection as IORedisOptions);
    const ctx = {
      rooms: studio.ctx.rooms,
      catalogue: studio.ctx.catalogue,
      redis: studio.connection,
      publisher,
      lockDurationMs: 30_000,
      listen: () => undefined,
    };
    // What an engine starting on this Redis makes; close() waits for the move it starts.
    const kind = new TrainingKind(ctx, () => studio.ctx.assets!.library, new LibraryHub());
    await kind.close();
    try {
      expect(await cpu.getJobCounts('waiting')).toEqual({ waiting: 0 });
      expect(await gpu.getJobCounts('waiting')).toEqual({ waiting: 0 });
      const moved = new Queue('train@draft-lora-train', { connection: studio.connection });
      const movedGpu = new Queue('train-24gb@train-lora-flux', { connection: studio.connection });
      expect((await moved.getJob('train-legacy-cpu'))?.data.assetId).toBe('ast-legacy');
      expect((await movedGpu.getJob('train-legacy-gpu'))?.data.vramGB).toBe(24);
      expect(await publisher.hget('studio:task-queues', 'train-legacy-cpu')).toBe('train@draft-lora-train');
      expect(await publisher.hget('studio:task-queues', 'train-legacy-gpu')).toBe('train-24gb@train-lora-flux');
      // The running engine's task API finds the moved task in its new queue.
      const status = (await (await fetch(`${studio.base}/api/v1/tasks/train-legacy-cpu`)).json()) as { status: string; kind: string };
      expect(status).toMatchObject({ status: 'queued', kind: 'training' });
      await Promise.all([moved.close(), movedGpu.close()]);
    } finally {
      await Promise.all([cpu.close(), gpu.close()]);
      publisher.disconnect();
    }
  });
});
