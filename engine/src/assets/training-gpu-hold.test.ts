// A GPU training run reserves its GPU against the same worker's generation slots: the training
// slot and the GPU slots share the worker's GpuState objects (as `npm run worker` wires them), on
// real Redis and BullMQ queues, with the engine's API for dispatch and GET /api/v1/workers. The
// GPU is a test double (a declared 24 GB card), and so are the runs: the trainer and the
// generation "pipelines" are functions that wait until the test lets them finish.
import { hostname } from 'node:os';
import { Queue, type Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGpuSlots } from '../jobs/gpu-slots.ts';
import { gpuQueueName } from '../jobs/gpu-tiers.ts';
import { WorkerHeartbeat, type GpuState, type WorkerState } from '../jobs/worker-registry.ts';
import { jobApp } from '../testing/job-app.ts';
import { projectWithShot } from '../testing/project-fixture.ts';
import { trainQueueName } from './training-queues.ts';
import { startTrainingSlot } from './training-slot.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => {
  // No worker of the engine's own: the test double below is the studio's only (GPU) worker.
  studio = await jobApp({ inProcessWorker: false });
}, 120_000);
afterAll(() => studio?.close());

/** Runs that wait to be let go: started[id] resolves when a run begins, finish(id) ends it. */
class HeldRuns {
  readonly started = new Map<string, Promise<void>>();
  readonly #begin = new Map<string, () => void>();
  readonly #end = new Map<string, () => void>();
  readonly order: string[] = [];

  #slot(id: string) {
    if (!this.started.has(id)) this.started.set(id, new Promise((r) => this.#begin.set(id, r)));
  }
  has(id: string): boolean {
    return this.order.includes(id);
  }
  whenStarted(id: string): Promise<void> {
    this.#slot(id);
    return this.started.get(id)!;
  }
  run = async (job: Job): Promise<unknown> => {
    const id = job.id!;
    this.#slot(id);
    this.order.push(id);
    const ended = new Promise<void>((r) => this.#end.set(id, r));
    this.#begin.get(id)!();
    await ended;
    return { runMs: 1 };
  };
  finish(id: string): void {
    this.#end.get(id)!();
  }
  /** Lets every run still held finish (after a failed check, so that the slots can close). */
  finishAll(): void {
    for (const end of this.#end.values()) end();
  }
}

/** A worker with one 24 GB GPU (test double), its generation slots and its training slot on the same GpuState. */
async function gpuWorker(name: string, wholeCard: boolean) {
  const gpus: GpuState[] = [{ id: '0', name: 'GPU 0 (test double, declared)', vramGB: 24, jobs: [] }];
  const state = (): WorkerState => ({
    name,
    host: hostname(),
    pid: process.pid,
    gpus,
    cpuSlots: 0,
    cpuJobs: [],
    pipelines: ['test-gpu-sleep', 'test-gpu-share', 'test-trainer'],
    unavailable: {},
    startedAt: new Date().toISOString(),
    heartbeatAt: '',
  });
  const heartbeat = new WorkerHeartbeat(studio.connection, state, 15_000);
  await heartbeat.start();
  const generations = new HeldRuns();
  const trainings = new HeldRuns();
  const slots = await startGpuSlots({
    redis: studio.connection,
    gpus,
    lockDurationMs: 30_000,
    canStart: () => true,
    worker: name,
    run: (job) => generations.run(job),
    onChange: () => void heartbeat.beat(),
  });
  const training = await startTrainingSlot({
    redis: studio.connection,
    lockDurationMs: 30_000,
    gpus,
    canStart: () => true,
    holdsWholeCard: () => wholeCard,
    onGpuChange: () => void heartbeat.beat(),
    run: (job) => trainings.run(job as unknown as Job),
  });
  return {
    gpus,
    generations,
    trainings,
    close: async () => {
      generations.finishAll();
      trainings.finishAll();
      await training.close();
      await slots.close();
      await heartbeat.stop();
    },
  };
}

const queues: Queue[] = [];
function queue(name: string): Queue {
  const q = new Queue(name, { connection: studio.connection });
  queues.push(q);
  return q;
}
let worker: Awaited<ReturnType<typeof gpuWorker>> | null = null;
afterEach(async () => {
  await worker?.close();
  worker = null;
  for (const q of queues.splice(0)) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
});

/** Enough of a generation job for the engine's watchdog to see a live worker can hold it (it fails jobs none can). */
const genData = (pipelineId: string, vramGB: number) => ({ projectId: 'no-project', nodeId: 'none', pipelineId, vramGB, quality: 'standard' });

const held = (gpus: GpuState[]) => gpus[0]!.jobs.map(({ jobId, pipeline, vramGB }) => ({ jobId, pipeline, vramGB }));

async function workersShown() {
  return (await (await fetch(`${studio.base}/api/v1/workers`)).json()) as Array<{
    name: string;
    gpus: Array<{ jobs: Array<{ jobId: string; vramGB: number }> }>;
  }>;
}

describe('a GPU training run holds its GPU against the same worker’s generations', () => {
  it('holds the whole card for a trainer that needs it: the registry shows it, a generation dispatched meanwhile waits and goes once training ends', async () => {
    worker = await gpuWorker('gpu-trainer-a', true);
    await queue(trainQueueName(24, 'test-trainer')).add('train', {}, { jobId: 'train-hold-a' });
    await worker.trainings.whenStarted('train-hold-a');
    expect(held(worker.gpus)).toEqual([{ jobId: 'train-hold-a', pipeline: 'test-trainer', vramGB: 24 }]);
    // GET /api/v1/workers, what dispatch reads too, shows the reservation.
    await expect
      .poll(async () => (await workersShown()).find((w) => w.name === 'gpu-trainer-a')?.gpus[0]?.jobs.map((j) => [j.jobId, j.vramGB]), { timeout: 10_000 })
      .toEqual([['train-hold-a', 24]]);

    // A generation needing 16 GB of the 24: dispatched (the only GPU that holds it is this busy one), it waits.
    const id = await projectWithShot(studio.base, { name: 'Held GPU', pipelineId: 'test-gpu-sleep' });
    const submitted = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: id, node_id: 'shot-1', policy: 'fallback' }),
    });
    const answer = (await submitted.json()) as { task_id: string; queue: string; fallback: unknown };
    expect(submitted.status, JSON.stringify(answer)).toBe(202);
    // No lower quality fits a free GPU either: under `fallback` it still queues for this one.
    expect(answer).toMatchObject({ queue: gpuQueueName(16, false, 'test-gpu-sleep'), fallback: null });
    // The generation slot looks at its queues every few hundred ms and finds the queue within a second;
    // seconds later the job has still not been given the card (a wrong hold would start it at once).
    await new Promise((r) => setTimeout(r, 3000));
    expect(worker.generations.has(answer.task_id)).toBe(false);
    expect(((await (await fetch(`${studio.base}/api/v1/tasks/${answer.task_id}`)).json()) as { status: string }).status).toBe('queued');

    // Training ends: the card is free and the generation goes.
    worker.trainings.finish('train-hold-a');
    await worker.generations.whenStarted(answer.task_id);
    expect(held(worker.gpus)).toEqual([{ jobId: answer.task_id, pipeline: 'test-gpu-sleep', vramGB: 16 }]);
    worker.generations.finish(answer.task_id);
  }, 90_000);

  it('gives generations only what a sharing trainer leaves: shareable work that fits runs beside it, an exclusive job waits', async () => {
    worker = await gpuWorker('gpu-trainer-b', false);
    await queue(trainQueueName(12, 'test-trainer')).add('train', {}, { jobId: 'train-hold-b' });
    await worker.trainings.whenStarted('train-hold-b');
    expect(held(worker.gpus)).toEqual([{ jobId: 'train-hold-b', pipeline: 'test-trainer', vramGB: 12 }]);

    // The exclusive 16 GB job first, then a shareable 8 GB one. The slot tries the biggest tier first,
    // so when it gives the card the 8 GB job it has passed over the 16 GB one in that same look.
    await queue(gpuQueueName(16, false, 'test-gpu-sleep')).add('generate', genData('test-gpu-sleep', 16), { jobId: 'gen-big-b' });
    await queue(gpuQueueName(8, true, 'test-gpu-share')).add('generate', genData('test-gpu-share', 8), { jobId: 'gen-share-b' });
    await worker.generations.whenStarted('gen-share-b');
    expect(worker.generations.has('gen-big-b')).toBe(false);
    expect(held(worker.gpus)).toEqual([
      { jobId: 'train-hold-b', pipeline: 'test-trainer', vramGB: 12 },
      { jobId: 'gen-share-b', pipeline: 'test-gpu-share', vramGB: 8 },
    ]);

    worker.trainings.finish('train-hold-b');
    worker.generations.finish('gen-share-b');
    await worker.generations.whenStarted('gen-big-b');
    expect(worker.generations.order).toEqual(['gen-share-b', 'gen-big-b']);
    worker.generations.finish('gen-big-b');
  }, 90_000);

  it('takes a training run while a generation holds the card, holds it at once, and starts training when that generation ends', async () => {
    worker = await gpuWorker('gpu-trainer-c', true);
    await queue(gpuQueueName(16, false, 'test-gpu-sleep')).add('generate', genData('test-gpu-sleep', 16), { jobId: 'gen-first-c' });
    await worker.generations.whenStarted('gen-first-c');
    const trainQueue = queue(trainQueueName(24, 'test-trainer'));
    await trainQueue.add('train', {}, { jobId: 'train-after-c' });
    // Taken and held (no new generation gets the card), but not started while the generation runs.
    await expect.poll(() => held(worker!.gpus).map((j) => j.jobId), { timeout: 20_000 }).toEqual(['gen-first-c', 'train-after-c']);
    await expect
      .poll(async () => ((await trainQueue.getJob('train-after-c'))?.progress as { step?: string } | undefined)?.step, { timeout: 10_000 })
      .toBe('Waiting for GPU 0: 1 generation still running on it');
    expect(worker.trainings.has('train-after-c')).toBe(false);
    await queue(gpuQueueName(8, true, 'test-gpu-share')).add('generate', genData('test-gpu-share', 8), { jobId: 'gen-share-c' });

    worker.generations.finish('gen-first-c');
    await worker.trainings.whenStarted('train-after-c');
    expect(held(worker.gpus)).toEqual([{ jobId: 'train-after-c', pipeline: 'test-trainer', vramGB: 24 }]);
    // The shareable job queued meanwhile is still not given the card the trainer holds whole.
    expect(worker.generations.has('gen-share-c')).toBe(false);
    worker.trainings.finish('train-after-c');
    await worker.generations.whenStarted('gen-share-c');
    worker.generations.finish('gen-share-c');
  }, 90_000);
});
