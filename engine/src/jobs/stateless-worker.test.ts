import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsckErrors } from '../testing/hardening/take-audit.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { TAKES_QUEUE } from './job-types.ts';
import { redisOptions } from './redis-connection.ts';
import { checkoutForJob } from './stateless/job-checkout.ts';

/*
 * A stateless worker (spec section 8.3): its own empty STUDIO_HOME, only REDIS_URL and ENGINE_URL.
 * Per job it clones the project over git from the engine, pulls only its inputs' LFS objects, runs
 * the pipeline, pushes its output to refs/jobs/<id>, and deletes its copy; the engine brings the
 * ref into main.
 */
let engineHome: string;
let workerHome: string;
let engine: SpawnedEngine;
const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000' };
/** The engine keeps one address across a restart, as a real one does: ENGINE_URL stays right. */
let enginePort = '';
const engineEnv = () => ({ ...common, STUDIO_HOME: engineHome, STUDIO_LOCAL_WORKER: '0', PORT: enginePort });

async function freePort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(async () => {
  engineHome = await mkdtemp(join(tmpdir(), 'studio-stateless-engine-'));
  workerHome = await mkdtemp(join(tmpdir(), 'studio-stateless-worker-'));
  enginePort = await freePort();
  engine = await spawnEngine({ env: engineEnv(), timeoutMs: 90_000 });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
  await rm(engineHome, { recursive: true, force: true });
  await rm(workerHome, { recursive: true, force: true });
});

const workerEnv = (name: string) => ({
  ...common,
  STUDIO_HOME: workerHome,
  REDIS_URL: `unix://${join(engineHome, '.redis', 'redis.sock')}`,
  ENGINE_URL: engine.baseUrl,
  WORKER_NAME: name,
});

describe('stateless workers (no shared disk)', () => {
  it('clone, pull only the inputs, run, push to the job ref: the engine commits one take from it, drops the ref, and the worker keeps nothing', async () => {
    const worker = await spawnWorker(workerEnv('stateless-1'));
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Stateless', pipelineId: 'test-noop' });
      const firstTask = await generate(engine.baseUrl, id);
      const first = await waitForTask(engine.baseUrl, firstTask, undefined, 90_000);
      expect(first.status, first.error ?? '').toBe('succeeded');
      const dir = join(engineHome, 'Projects', id);
      const take = first.result!.take;
      expect(take).toMatch(/^03_Renders\/SCENE_01\/SHOT_010\/SHOT-010_v01_take01\.png$/);
      // The take came over git: the take job names the pushed ref, with no path on a shared disk.
      const takes = new Queue(TAKES_QUEUE, { connection: redisOptions({ url: `unix://${join(engineHome, '.redis', 'redis.sock')}` }) });
      const handOver = await takes.getJob(`take-${firstTask}`);
      await takes.close();
      expect(handOver!.data.outputPath).toBe('');
      expect(handOver!.data.pushed).toEqual({ ref: `refs/jobs/${firstTask}`, path: `05_Cache/jobs/${firstTask}/output.png` });
      // The bytes are the pipeline's, committed through LFS on main by the engine, with the worker in the provenance.
      expect(await readFile(join(dir, take), 'utf8')).toBe('x');
      expect(git(dir, 'show', `HEAD:${take}`)).toMatch(/^version https:\/\/git-lfs/);
      const sidecar = JSON.parse(await readFile(join(dir, take.replace(/\.png$/, '.json')), 'utf8')) as { worker: string };
      expect(sidecar.worker).toBe('stateless-1');
      // The take's commit names who asked for it (here the local user), never the worker or the engine.
      expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn', '--', take)).toBe('Local user <local.local@local.studio>|Studio Engine\n');
      // The ref was only a hand-over; main never merged the worker's commit; the repository is sound.
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(git(dir, 'log', '--format=%s', 'main')).not.toContain('output for the engine to bring in');
      expect(fsckErrors(dir)).toBe('');
      // The worker's own workspace holds nothing of the job.
      expect(await readdir(join(workerHome, '.jobs'), { recursive: true }).catch(() => [])).toEqual([]);

      // A job's copy holds its inputs and nothing else: one take's bytes, not the other's.
      const second = await waitForTask(engine.baseUrl, await generate(engine.baseUrl, id), undefined, 90_000);
      expect(second.status).toBe('succeeded');
      const copy = await checkoutForJob({
        dir: join(workerHome, 'probe'),
        tenant: undefined,
        projectId: id,
        inputs: [take],
        env: { engineUrl: engine.baseUrl, token: null, path: '/usr/bin:/bin', home: workerHome },
      });
      expect(await readFile(copy.file(take), 'utf8')).toBe('x');
      expect(await readdir(join(copy.repo, '03_Renders/SCENE_01/SHOT_010'))).toEqual(['SHOT-010_v01_take01.png']);
      const objects = await readdir(join(copy.repo, '.git/lfs/objects'), { recursive: true }).catch(() => [] as string[]);
      expect(objects.filter((o) => /[0-9a-f]{64}$/.test(o))).toHaveLength(1);
      await rm(join(workerHome, 'probe'), { recursive: true, force: true });
    } finally {
      await worker.stop();
    }
  }, 180_000);

  it('a worker SIGKILLed during its job: the job runs again on another worker and yields exactly one take', async () => {
    const id = await projectWithShot(engine.baseUrl, { name: 'Stateless kill', pipelineId: 'test-slow' });
    let worker = await spawnWorker(workerEnv('doomed'));
    const task = await generate(engine.baseUrl, id);
    // Killed once it is running: mid-run or mid-push, whichever the moment catches.
    await waitForTask(engine.baseUrl, task, ['running', 'succeeded'], 90_000);
    worker.killHard();
    worker = await spawnWorker(workerEnv('survivor'));
    try {
      const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 120_000);
      expect(done.status, done.error ?? '').toBe('succeeded');
      const dir = join(engineHome, 'Projects', id);
      const files = (await readdir(join(dir, '03_Renders/SCENE_01/SHOT_010'))).filter((f) => !f.endsWith('.json'));
      expect(files).toHaveLength(1);
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(fsckErrors(dir)).toBe('');
    } finally {
      await worker.stop();
    }
  }, 240_000);

  it('the engine SIGKILLed while a stateless job runs: restarted, it brings the take in once, and the repository is sound', async () => {
    const id = await projectWithShot(engine.baseUrl, { name: 'Stateless engine kill', pipelineId: 'test-slow' });
    const worker = await spawnWorker(workerEnv('steady'));
    try {
      const task = await generate(engine.baseUrl, id);
      await waitForTask(engine.baseUrl, task, ['running', 'succeeded'], 90_000);
      // The worker keeps running its pipeline; its push and the hand-over meet a restarted engine (or are retried until they do).
      await engine.killHard();
      engine = await spawnEngine({ env: engineEnv(), timeoutMs: 90_000 });
      const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 180_000);
      expect(done.status, done.error ?? '').toBe('succeeded');
      const dir = join(engineHome, 'Projects', id);
      const files = (await readdir(join(dir, '03_Renders/SCENE_01/SHOT_010'))).filter((f) => !f.endsWith('.json'));
      expect(files).toHaveLength(1);
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(fsckErrors(dir)).toBe('');
    } finally {
      await worker.stop();
    }
  }, 300_000);
});
