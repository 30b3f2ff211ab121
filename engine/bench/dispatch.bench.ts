import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import { REPO_ROOT } from '../src/config.ts';
import { dispatch } from '../src/jobs/dispatch.ts';
import { gpuQueueName, tierFor } from '../src/jobs/gpu-tiers.ts';
import type { GenerateJobData } from '../src/jobs/job-types.ts';
import { redisOptions } from '../src/jobs/redis-connection.ts';
import { liveWorkers } from '../src/jobs/worker-registry.ts';
import { PipelineCatalogue } from '../src/runner/pipeline-catalogue.ts';
import { TEST_PIPELINES } from '../src/testing/job-app.ts';
import { projectWithShot } from '../src/testing/project-fixture.ts';
import { spawnEngine } from '../src/testing/spawn-engine.ts';
import { spawnWorker } from '../src/testing/spawn-worker.ts';
import { reporter, round, type BenchResult } from './bench-result.ts';

/** The quality table's work in a day (docs/pipeline-contract.md#quality-table): share of jobs, VRAM the table gives, and a typical run time (seconds) on such a GPU. */
const MIX = [
  { kind: 'image low (SD 1.5)', share: 0.25, vramGB: 12, quality: 'low', seconds: 4 },
  { kind: 'image standard (FLUX schnell)', share: 0.3, vramGB: 16, quality: 'standard', seconds: 10 },
  { kind: 'image high (FLUX dev fp16)', share: 0.15, vramGB: 24, quality: 'high', seconds: 25 },
  { kind: 'video low (Wan2.1 1.3B)', share: 0.15, vramGB: 12, quality: 'low', seconds: 60 },
  { kind: 'video standard (Wan2.1 1.3B)', share: 0.1, vramGB: 12, quality: 'low', seconds: 90 },
  { kind: 'video high (LTX 13B)', share: 0.05, vramGB: 24, quality: 'high', seconds: 240 },
] as const;
const JOBS = 2000;
const SCALE = 1 / 100;
const WORKERS = [
  { name: 'gpu12', vramGB: 12 },
  { name: 'gpu16', vramGB: 16 },
  { name: 'gpu24', vramGB: 24 },
];
const GPUS_PER_WORKER = 2;

/** A seeded log-normal spread around a typical run time, as recorded run times scatter. */
function sampler(seed: number) {
  let s = seed;
  const uniform = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 1) / 2 ** 31;
  return (typical: number) => {
    const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return typical * Math.exp(0.35 * normal - 0.06);
  };
}

/**
 * A studio day on real workers (12, 16 and 24 GB, two GPUs each, run times scaled by 1/100): 2,000
 * table-4 jobs routed by our dispatcher, then the same jobs through a VRAM-blind FIFO queue, both
 * run here, in the same run, on the same workers.
 */
export async function benchDispatch(): Promise<BenchResult[]> {
  const home = await mkdtemp(join(tmpdir(), 'studio-bench-dispatch-'));
  const env = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_HEARTBEAT_TTL_MS: '5000' };
  const engine = await spawnEngine({ env: { ...env, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
  const redisUrl = `unix://${join(home, '.redis', 'redis.sock')}`;
  const connection = redisOptions({ url: redisUrl });
  const redis = new Redis(connection as IORedisOptions);
  const queues = new Map<string, Queue<GenerateJobData>>();
  // Started inside the try, so a worker that fails to start does not leave the engine running.
  const starting = WORKERS.map((w) =>
    spawnWorker({
      ...env,
      STUDIO_HOME: home,
      REDIS_URL: redisUrl,
      WORKER_NAME: w.name,
      WORKER_VRAM_GB: String(w.vramGB),
      WORKER_GPUS: String(GPUS_PER_WORKER),
      WORKER_CONCURRENCY: '1',
    }),
  );
  try {
    await Promise.all(starting);
    const projectId = await projectWithShot(engine.baseUrl, { name: 'Studio day', pipelineId: 'test-gpu-sleep' });
    const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), TEST_PIPELINES]);
    const live = await liveWorkers(redis);
    const sample = sampler(20261121);
    const jobs = Array.from({ length: JOBS }, (_, i) => {
      let pick = (i * 0.6180339887) % 1;
      const kind = MIX.find((m) => (pick -= m.share) < 0) ?? MIX[0];
      return { ...kind, ms: Math.max(5, Math.round(sample(kind.seconds) * 1000 * SCALE)) };
    });

    const started = Date.now();
    /** Submits every job to the queue `route` names, waits for all, and reads where and when each ran. */
    const runDay = async (label: string, list: typeof jobs, route: (data: GenerateJobData) => string) => {
      const ids: Array<{ id: string; queue: string; vramGB: number; ms: number }> = [];
      for (const [i, job] of list.entries()) {
        const data: GenerateJobData = {
          projectId,
          nodeId: 'shot-1',
          nodeType: 'shot',
          subject: { folder: '03_Renders/SCENE_01/SHOT_010', name: 'SHOT-010' },
          pipelineId: 'test-gpu-sleep',
          taskType: 'generate-image',
          quality: job.quality,
          seed: i,
          prompt: job.kind,
          negativePrompt: '',
          params: { sleep_ms: job.ms },
          width: 64,
          height: 64,
          aspectRatio: '16:9',
          fps: 24,
          duration: 1,
          inputs: {},
          fingerprint: 'day',
          vramGB: job.vramGB,
          shareable: false,
          requestedAt: new Date().toISOString(),
        };
        const name = route(data);
        let queue = queues.get(name);
        if (!queue) queues.set(name, (queue = new Queue<GenerateJobData>(name, { connection })));
        const id = `gen-day-${label}-${started}-${i}`;
        await queue.add('generate', data, { jobId: id, removeOnComplete: false, removeOnFail: false });
        ids.push({ id, queue: name, vramGB: job.vramGB, ms: job.ms });
      }

      // Wait for all, then read when each started and finished and where it ran.
      const done = new Map<string, { processedOn: number; finishedOn: number; gpuVram: number; timestamp: number }>();
      while (done.size < ids.length) {
        for (const { id, queue } of ids) {
          if (done.has(id)) continue;
          const job = await queues.get(queue)!.getJob(id);
          if (!job?.finishedOn) continue;
          if (job.failedReason) throw new Error(`job ${id} failed: ${job.failedReason}`);
          done.set(id, {
            processedOn: job.processedOn!,
            finishedOn: job.finishedOn,
            timestamp: job.timestamp,
            gpuVram: (job.returnvalue as { gpu: { vramGB: number } }).gpu.vramGB,
          });
        }
        await new Promise((r) => setTimeout(r, 500));
      }

      const records = ids.map((j) => ({ ...j, ...done.get(j.id)! }));
      const makespan = Math.max(...records.map((r) => r.finishedOn)) - Math.min(...records.map((r) => r.timestamp));
      const slots = WORKERS.flatMap((w) => Array.from({ length: GPUS_PER_WORKER }, () => w.vramGB));
      // Lower bound: the work that needs at least T GB can only run on GPUs of at least T GB.
      const bound = Math.max(
        ...[12, 16, 24].map((tier) => records.filter((r) => r.vramGB >= tier).reduce((s, r) => s + r.ms, 0) / slots.filter((v) => v >= tier).length),
      );
      const work = records.reduce((s, r) => s + r.ms, 0);
      return {
        makespan,
        bound,
        misplacements: records.filter((r) => r.gpuVram < r.vramGB).length,
        utilisation: work / (makespan * slots.length),
        meanWait: (tier: number) => {
          const list = records.filter((r) => r.vramGB === tier).map((r) => r.processedOn - r.timestamp);
          return list.reduce((a, b) => a + b, 0) / Math.max(1, list.length);
        },
      };
    };

    // The same jobs, in the same order, on the same workers, twice: routed by our dispatcher, then VRAM-blind FIFO.
    const aware = await runDay('aware', jobs, (data) => dispatch({ data, policy: 'queue', workers: live, catalogue, pinned: true }).queue);
    // FIFO: one queue that every GPU reads (the smallest tier's), taken in submission order by whichever GPU is free first.
    const fifo = await runDay('fifo', jobs, () => gpuQueueName(tierFor(Math.min(...WORKERS.map((w) => w.vramGB))), false, 'test-gpu-sleep'));

    const r = reporter('dispatch');
    r.measured('jobs', JOBS, 'jobs', undefined, 'shaped like the quality table; run times scaled by 1/100');
    r.measured('misplacements', aware.misplacements, 'jobs', { op: '==', value: 0 });
    r.measured('makespan', round(aware.makespan / 1000, 1), 's');
    r.measured('makespan_vs_bound', round(aware.makespan / aware.bound, 3), 'ratio', { op: '<=', value: 1.15 });
    r.measured('gpu_utilisation', round(aware.utilisation, 3), 'fraction');
    for (const tier of [12, 16, 24]) r.measured(`mean_wait_${tier}gb_jobs`, round(aware.meanWait(tier) / 1000, 2), 's');
    const fifoNote =
      'a real run: the same jobs through one BullMQ queue read by every GPU, first free GPU first; a misplaced job ran (a sleep needs no VRAM) where on a real GPU it would fail out of memory';
    r.measured('vram_blind_fifo_misplacements', fifo.misplacements, 'jobs', undefined, fifoNote);
    r.measured('vram_blind_fifo_makespan', round(fifo.makespan / 1000, 1), 's', undefined, fifoNote);
    r.measured('vram_blind_fifo_gpu_utilisation', round(fifo.utilisation, 3), 'fraction', undefined, fifoNote);
    r.measured('makespan_vs_vram_blind_fifo', round(aware.makespan / fifo.makespan, 3), 'ratio', undefined, 'FIFO counts its misplaced jobs as done');
    return r.results;
  } finally {
    for (const q of queues.values()) await q.close();
    redis.disconnect();
    for (const w of await Promise.allSettled(starting)) if (w.status === 'fulfilled') await w.value.stop().catch(() => undefined);
    await engine.stop();
    await rm(home, { recursive: true, force: true });
  }
}
