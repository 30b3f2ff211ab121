import { readFile } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION, type ServerMessage } from '@studio/node-schemas';
import WebSocket from 'ws';
import { createProject } from '../src/projects/create-project.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { TakeCommitter, type PendingTake } from '../src/projects/takes/commit-takes.ts';
import { REPO_ROOT } from '../src/config.ts';
import { dockerForTests } from '../src/testing/docker-env.ts';
import { TEST_PIPELINES } from '../src/testing/job-app.ts';
import { projectWithShot } from '../src/testing/project-fixture.ts';
import { spawnEngine } from '../src/testing/spawn-engine.ts';
import { tempWorkspace } from '../src/testing/temp-workspace.ts';
import { median, reporter, round, type BenchResult } from './bench-result.ts';

async function withEngine<T>(env: Record<string, string>, fn: (base: string, home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'studio-bench-gen-'));
  const engine = await spawnEngine({ env: { STUDIO_HOME: home, PIPELINES_PATH: TEST_PIPELINES, ...env } });
  try {
    return await fn(engine.baseUrl, home);
  } finally {
    await engine.stop();
    await rm(home, { recursive: true, force: true });
  }
}

function socket(base: string, id: string): Promise<{ ws: WebSocket; next: (type: string) => Promise<ServerMessage> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/${id}?protocol=${PROTOCOL_VERSION}`);
    const waiters: Array<{ type: string; resolve: (m: ServerMessage) => void }> = [];
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as ServerMessage;
      const i = waiters.findIndex((w) => w.type === m.type);
      if (i !== -1) waiters.splice(i, 1)[0]!.resolve(m);
    });
    ws.on('open', () => resolve({ ws, next: (type) => new Promise((r) => waiters.push({ type, resolve: r })) }));
  });
}

/**
 * client:start_generation -> server:task_success, minus the pipeline's own run time. On the process
 * backend that is the runner's measure of the run (from the take's sidecar); on docker it is the
 * same pipeline's run time on the host, so container creation and start count as overhead.
 */
async function overhead(backend: 'process' | 'docker', intrinsicMs?: number): Promise<{ overheadMs: number; runMs: number }> {
  return withEngine({ RUNNER_BACKEND: backend }, async (base, home) => {
    const id = await projectWithShot(base, { name: `Overhead ${backend}`, pipelineId: 'test-noop' });
    const { ws, next } = await socket(base, id);
    const samples: number[] = [];
    const runs: number[] = [];
    for (let i = 0; i < 22; i++) {
      const t = performance.now();
      ws.send(JSON.stringify({ type: 'client:start_generation', node_id: 'shot-1' }));
      const success = (await next('server:task_success')) as Extract<ServerMessage, { type: 'server:task_success' }>;
      const total = performance.now() - t;
      const sidecar = JSON.parse(await readFile(join(home, 'Projects', id, success.result.take.replace(/\.png$/, '.json')), 'utf8'));
      if (i < 2) continue;
      runs.push(sidecar.timings.run_ms);
      samples.push(total - (intrinsicMs ?? sidecar.timings.run_ms));
    }
    ws.close();
    return { overheadMs: median(samples), runMs: median(runs) };
  });
}

/** No-op generations submitted at once: jobs per second until every take is committed. */
async function throughput(): Promise<number> {
  return withEngine({ RUNNER_BACKEND: 'process', WORKER_CONCURRENCY: '8' }, async (base) => {
    const id = await projectWithShot(base, { name: 'Throughput', pipelineId: 'test-noop' });
    const { ws } = await socket(base, id);
    const JOBS = 300;
    let done = 0;
    const finished = new Promise<void>((resolve) =>
      ws.on('message', (raw) => {
        if (String(raw).startsWith('{"type":"server:task_success"') && ++done === JOBS) resolve();
      }),
    );
    const t = performance.now();
    for (let i = 0; i < JOBS; i++) ws.send(JSON.stringify({ type: 'client:start_generation', node_id: 'shot-1' }));
    await finished;
    const seconds = (performance.now() - t) / 1000;
    ws.close();
    return JOBS / seconds;
  });
}

/** The time to commit one take into a project that already holds `existing` takes. */
async function takeCommitTimes(): Promise<Array<[number, number]>> {
  const { workspace, cleanup } = await tempWorkspace();
  try {
    const { id, dir } = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: 'Take commits' } });
    const committer = new TakeCommitter(new GitQueue());
    // Takes spread over shots as in a real project: at most 100 per shot.
    let n = 0;
    const pending = async (): Promise<PendingTake> => {
      const shot = String(10 * (1 + Math.floor(n / 100))).padStart(3, '0');
      const subject = { folder: `03_Renders/SCENE_01/SHOT_${shot}`, name: `SHOT-${shot}` };
      const sourcePath = join(workspace.home, `out-${++n}.png`);
      await writeFile(sourcePath, `take ${n}`);
      return { projectId: id, projectDir: dir, subject, sourcePath, fingerprint: 'f', provenance: { seed: n }, pipeline: 'bench', seed: n };
    };
    const out: Array<[number, number]> = [];
    let existing = 0;
    for (const target of [10, 1000, 10000]) {
      // Fill up in large batches (they share commits), then time single takes.
      while (existing < target) {
        const batch = Math.min(1000, target - existing);
        await Promise.all(await Promise.all(Array.from({ length: batch }, () => pending())).then((items) => items.map((i) => committer.commit(i))));
        existing += batch;
      }
      const samples: number[] = [];
      for (let i = 0; i < 7; i++) {
        const item = await pending();
        const t = performance.now();
        await committer.commit(item);
        samples.push(performance.now() - t);
        existing++;
      }
      out.push([target, median(samples)]);
    }
    return out;
  } finally {
    await cleanup();
  }
}

export async function benchGeneration(): Promise<BenchResult[]> {
  const r = reporter('generation');
  const host = await overhead('process');
  r.measured('overhead_process_backend_median', round(host.overheadMs), 'ms', { op: '<', value: 50 });
  // In CI dockerForTests throws when Docker is missing; either way the figure is reported as not measured, with why.
  const docker = await dockerForTests(['test-noop']).catch((error: Error) => ({ ready: false as const, reason: error.message }));
  if (docker.ready)
    r.measured(
      'overhead_docker_backend_median',
      round((await overhead('docker', host.runMs)).overheadMs),
      'ms',
      { op: '<', value: 300 },
      'container creation and start included',
    );
  else r.unmeasured('overhead_docker_backend_median', 'ms', `Docker unavailable: ${docker.reason}`, { op: '<', value: 300 });
  r.measured('throughput_noop_process_takes_committed', round(await throughput(), 1), 'jobs/s', { op: '>', value: 50 });
  const commits = await takeCommitTimes();
  for (const [takes, ms] of commits) r.measured(`take_commit_with_${takes}_takes`, round(ms), 'ms', { op: '<', value: 100 });
  r.measured('take_commit_10000_vs_10', round(commits[2]![1] / commits[0]![1]), 'ratio', { op: '<', value: 1.5 });
  return r.results;
}
