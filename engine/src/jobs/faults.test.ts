import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { redisOptions } from './redis-connection.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { projectOfJob, settledJobs } from '../testing/settled-jobs.ts';
import { spawnEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { WsProbe } from '../testing/ws-probe.ts';

const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000' };

async function takesOf(home: string, id: string) {
  return (await readdir(join(home, 'Projects', id, '03_Renders/SCENE_01/SHOT_010')).catch(() => [])).filter((f) => f.endsWith('.png'));
}

describe('faults (real processes, real Redis)', () => {
  it('a worker killed with SIGKILL mid-job: the job is taken up again and yields exactly one take', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-kill-worker-'));
    const engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
    const redisUrl = `unix://${join(home, '.redis', 'redis.sock')}`;
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Kill Worker', pipelineId: 'test-slow' });
      const first = await spawnWorker({ ...common, STUDIO_HOME: home, REDIS_URL: redisUrl, WORKER_NAME: 'first' });
      const taskId = await generate(engine.baseUrl, id);
      await waitForTask(engine.baseUrl, taskId, ['running']);
      await new Promise((r) => setTimeout(r, 800));
      first.killHard();
      const second = await spawnWorker({ ...common, STUDIO_HOME: home, REDIS_URL: redisUrl, WORKER_NAME: 'second' });
      const done = await waitForTask(engine.baseUrl, taskId, ['succeeded', 'failed'], 60_000);
      expect(done.status).toBe('succeeded');
      // The killed attempt, had it handed in a take too, would be a take job pending until committed.
      const jobs = (await settledJobs(redisOptions({ socketPath: join(home, '.redis', 'redis.sock') }))).filter((j) => projectOfJob(j) === id);
      expect(jobs.map((j) => `${j.queueName}:${j.id}`).sort()).toEqual([`cpu@test-slow:${taskId}`, `takes:take-${taskId}`]);
      expect(await takesOf(home, id)).toEqual(['SHOT-010_v01_take01.png']);
      await second.stop();
    } finally {
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('the engine restarted during a job: the result still lands and a reconnecting client learns of it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-kill-engine-'));
    let engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home } });
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Kill Engine', pipelineId: 'test-slow' });
      const taskId = await generate(engine.baseUrl, id);
      await waitForTask(engine.baseUrl, taskId, ['running']);
      await engine.killHard();
      engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home } });
      const ws = await WsProbe.open(engine.baseUrl, id);
      await ws.next('server:full_sync');
      const done = await waitForTask(engine.baseUrl, taskId, ['succeeded', 'failed'], 60_000);
      expect(done.status).toBe('succeeded');
      const patch = await ws.next('server:graph_patch', 10_000);
      expect(patch.edits[0]).toMatchObject({
        op: 'update_node',
        id: 'shot-1',
        changes: { data: { activeTake: '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png' } },
      });
      // A client that connects only now gets the take in the graph, and the node's state.
      const late = await WsProbe.open(engine.baseUrl, id);
      const sync = await late.next('server:full_sync');
      expect(sync.graph.nodes.find((n) => n.id === 'shot-1')!.data.activeTake).toBe('03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png');
      expect(await late.next('server:node_state_updated')).toMatchObject({ node_id: 'shot-1', state: 'done' });
      expect(await takesOf(home, id)).toEqual(['SHOT-010_v01_take01.png']);
      ws.close();
      late.close();
    } finally {
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('Redis restarted: queued jobs are not lost', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-redis-restart-'));
    let engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Redis Restart', pipelineId: 'test-noop' });
      const tasks = [await generate(engine.baseUrl, id), await generate(engine.baseUrl, id), await generate(engine.baseUrl, id)];
      // Stopping the engine stops its redis-server; the next start runs a new one from the append-only file.
      await engine.stop();
      engine = await spawnEngine({ env: { ...common, STUDIO_HOME: home, STUDIO_LOCAL_WORKER: '0' } });
      for (const t of tasks) expect((await waitForTask(engine.baseUrl, t, ['queued'])).status).toBe('queued');
      const worker = await spawnWorker({ ...common, STUDIO_HOME: home, REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}` });
      for (const t of tasks) expect((await waitForTask(engine.baseUrl, t)).status).toBe('succeeded');
      expect((await takesOf(home, id)).sort()).toEqual(['SHOT-010_v01_take01.png', 'SHOT-010_v01_take02.png', 'SHOT-010_v01_take03.png']);
      await worker.stop();
    } finally {
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
