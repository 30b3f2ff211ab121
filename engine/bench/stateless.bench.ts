import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/config.ts';
import { checkoutForJob } from '../src/jobs/stateless/job-checkout.ts';
import { TEST_PIPELINES } from '../src/testing/job-app.ts';
import { projectWithTakes } from '../src/testing/history-takes-fixture.ts';
import { generate, projectWithShot, waitForTask } from '../src/testing/project-fixture.ts';
import { spawnEngine } from '../src/testing/spawn-engine.ts';
import { spawnWorker } from '../src/testing/spawn-worker.ts';
import { testApp } from '../src/testing/temp-workspace.ts';
import { median, reporter, type BenchResult } from './bench-result.ts';

const run = promisify(execFile);
/** STATELESS_BENCH_QUICK=1: toy sizes, to check the suite itself in a minute. */
const QUICK = process.env.STATELESS_BENCH_QUICK === '1';
const BIG = QUICK ? 300 : 10_000;
const SAMPLES = 3;
const JOBS = QUICK ? 4 : 10;
/** STATELESS_BENCH_ROWS=overhead (or checkout): only those rows. */
const ROWS = (process.env.STATELESS_BENCH_ROWS ?? 'checkout,overhead').split(',');

/** Clone + pull of one input for a stateless job: a project with 10 takes against one with BIG takes, same engine, same run. */
async function checkoutRows(out: ReturnType<typeof reporter>): Promise<void> {
  const { app, ctx, cleanup } = await testApp();
  const scratch = await mkdtemp(join(tmpdir(), 'bench-stateless-'));
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const engineUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const templatesDir = join(REPO_ROOT, 'templates');
    const times: Record<number, number> = {};
    for (const takes of [10, BIG]) {
      const project = await projectWithTakes(ctx.workspace, templatesDir, `Stateless ${takes}`, { takes, shots: Math.min(100, takes) });
      const { stdout } = await run('git', ['ls-files', '03_Renders'], { cwd: project.dir, maxBuffer: 64 * 1024 * 1024 });
      const input = stdout.split('\n').find((p) => p.endsWith('.png'))!;
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const dir = join(scratch, `${takes}-${i}`);
        const t = performance.now();
        const copy = await checkoutForJob({
          dir,
          tenant: undefined,
          projectId: project.id,
          inputs: [input],
          env: { engineUrl, token: null, path: '/usr/bin:/bin', home: scratch },
        });
        samples.push(performance.now() - t);
        // The input's real bytes, not its pointer: the figure counts the download.
        if ((await stat(copy.file(input))).size < 1024) throw new Error(`the job's copy of ${input} is still an LFS pointer`);
        await rm(dir, { recursive: true, force: true });
      }
      times[takes] = median(samples);
    }
    out.measured(`stateless job: clone + pull of its one input, project of 10 takes, median of ${SAMPLES}`, times[10]!, 'ms', 'baseline');
    out.measured(`stateless job: clone + pull of its one input, project of ${BIG} takes, median of ${SAMPLES}`, times[BIG]!, 'ms', { op: '<', value: 2000 });
    out.measured(`stateless job: clone + pull, ${BIG} takes against 10 (flat)`, times[BIG]! / times[10]!, 'x', { op: '<=', value: 1.5 });
  } finally {
    await cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The same test-noop jobs, one after another, through a shared-disk worker and then a stateless one, on one engine. */
async function overheadRows(out: ReturnType<typeof reporter>): Promise<void> {
  const engineHome = await mkdtemp(join(tmpdir(), 'bench-stateless-engine-'));
  const workerHome = await mkdtemp(join(tmpdir(), 'bench-stateless-worker-'));
  const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' };
  const engine = await spawnEngine({ env: { ...common, STUDIO_HOME: engineHome, STUDIO_LOCAL_WORKER: '0' }, timeoutMs: 90_000 });
  const redis = `unix://${join(engineHome, '.redis', 'redis.sock')}`;
  try {
    const id = await projectWithShot(engine.baseUrl, { name: 'Overhead', pipelineId: 'test-noop' });
    const runJobs = async (env: Record<string, string>, jobs: number): Promise<number[]> => {
      const worker = await spawnWorker({ ...common, REDIS_URL: redis, ...env });
      try {
        // One to warm up (tsx, the pipeline check), then the measured ones.
        await waitForTask(engine.baseUrl, await generate(engine.baseUrl, id), undefined, 90_000);
        const samples: number[] = [];
        for (let i = 0; i < jobs; i++) {
          const t = performance.now();
          const done = await waitForTask(engine.baseUrl, await generate(engine.baseUrl, id), undefined, 90_000);
          if (done.status !== 'succeeded') throw new Error(`job ${done.status}: ${done.error}`);
          samples.push(performance.now() - t);
        }
        return samples;
      } finally {
        await worker.stop();
      }
    };
    // Shared-disk and stateless in turns (A B A B), so a change of load on the machine weighs on both alike.
    const sharedSamples: number[] = [];
    const statelessSamples: number[] = [];
    for (let round = 0; round < 2; round++) {
      sharedSamples.push(...(await runJobs({ STUDIO_HOME: engineHome, WORKER_NAME: 'shared-disk' }, JOBS / 2)));
      statelessSamples.push(...(await runJobs({ STUDIO_HOME: workerHome, ENGINE_URL: engine.baseUrl, WORKER_NAME: 'stateless' }, JOBS / 2)));
    }
    const shared = median(sharedSamples);
    const stateless = median(statelessSamples);
    out.measured(`job end to end through a shared-disk worker, median of ${JOBS}`, shared, 'ms', 'baseline');
    out.measured(`job end to end through a stateless worker, median of ${JOBS}`, stateless, 'ms');
    out.measured('stateless overhead per job against the shared-disk worker', stateless - shared, 'ms', { op: '<', value: 500 });
  } finally {
    await engine.stop();
    await rm(engineHome, { recursive: true, force: true });
    await rm(workerHome, { recursive: true, force: true });
  }
}

export async function benchStateless(): Promise<BenchResult[]> {
  const out = reporter('scale');
  if (ROWS.includes('checkout')) await checkoutRows(out);
  if (ROWS.includes('overhead')) await overheadRows(out);
  return out.results;
}
