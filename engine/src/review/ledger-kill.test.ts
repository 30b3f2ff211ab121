import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerAnswer } from '@studio/node-schemas';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { LEDGER_FILE } from './ledger-file.ts';

const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000', STUDIO_LOCAL_WORKER: '0' };

describe('the ledger under SIGKILLs', () => {
  it('charges a job taken up again after its worker was killed mid-run once, for the run that finished it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-ledger-kill-'));
    const env = { ...common, STUDIO_HOME: home };
    const engine = await spawnEngine({ env, timeoutMs: 90_000 });
    let worker = await spawnWorker({ ...env, REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`, WORKER_NAME: 'w0' });
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Ledger Kill', pipelineId: 'test-slow' });
      const taskId = await generate(engine.baseUrl, id, 'shot-1', 'kill-me');
      await waitForTask(engine.baseUrl, taskId, ['running']);
      // Mid-run (test-slow reports for about 6 s): the job's lock lapses and another worker takes it up.
      await new Promise((r) => setTimeout(r, 1000));
      worker.killHard();
      worker = await spawnWorker({ ...env, REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`, WORKER_NAME: 'w1' });
      const done = await waitForTask(engine.baseUrl, taskId, ['succeeded', 'failed'], 120_000);
      expect(done.status).toBe('succeeded');
      // It was the second worker that finished it: the kill landed mid-run.
      const sidecar = JSON.parse(await readFile(join(home, 'Projects', id, done.result!.take.replace(/\.png$/, '.json')), 'utf8')) as { worker: string };
      expect(sidecar.worker).toBe('w1');
      // The same key again, after the kill: the same task, nothing new to charge.
      expect(await generate(engine.baseUrl, id, 'shot-1', 'kill-me')).toBe(taskId);
      // A later task is charged after the first (one git queue), so once it is in, the first has had every chance to be charged twice.
      const later = await generate(engine.baseUrl, id);
      await waitForTask(engine.baseUrl, later);
      let answer: LedgerAnswer = { entries: [] } as unknown as LedgerAnswer;
      for (let waited = 0; waited < 20_000 && answer.entries.length < 2; waited += 200) {
        answer = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${id}/ledger`)).json()) as LedgerAnswer;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(answer.entries.map((e) => e.task_id).sort()).toEqual([taskId, later].sort());
      const charged = answer.entries.find((e) => e.task_id === taskId)!;
      expect(charged.outcome).toBe('succeeded');
      // The finishing run's time: test-slow runs for about 6 s, a whole run, not the killed one's second or two.
      expect(charged.cpu_seconds).toBeGreaterThan(4);
      const dir = join(home, 'Projects', id);
      await expect.poll(() => execFileSync('git', ['log', '--oneline', '--', LEDGER_FILE], { cwd: dir, encoding: 'utf8' }).trim().split('\n').length).toBe(2);
    } finally {
      worker.killHard();
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 240_000);

  it('charges every task exactly once when the engine is SIGKILLed while jobs run, end and are charged (the restarted engine sweeps what it missed)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-ledger-engine-kill-'));
    const env = { ...common, STUDIO_HOME: home };
    let engine = await spawnEngine({ env, timeoutMs: 90_000 });
    const worker = await spawnWorker({ ...env, REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`, WORKER_NAME: 'w0' });
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'Ledger Engine Kill', pipelineId: 'test-noop' });
      const tasks: string[] = [];
      for (let i = 0; i < 6; i++) tasks.push(await generate(engine.baseUrl, id));
      // While the jobs run, end, and are being charged: what the killed engine did not charge, the next one sweeps.
      await new Promise((r) => setTimeout(r, 300));
      await engine.killHard();
      engine = await spawnEngine({ env, timeoutMs: 90_000 });
      for (const t of tasks) expect((await waitForTask(engine.baseUrl, t, ['succeeded', 'failed'], 120_000)).status).toBe('succeeded');
      let answer = { entries: [] } as unknown as LedgerAnswer;
      for (let waited = 0; waited < 30_000 && answer.entries.length < tasks.length; waited += 200) {
        answer = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${id}/ledger`)).json()) as LedgerAnswer;
        await new Promise((r) => setTimeout(r, 200));
      }
      const charged = answer.entries.map((e) => e.task_id);
      expect(charged.sort()).toEqual([...tasks].sort());
      const dir = join(home, 'Projects', id);
      await engine.stop();
      expect(execFileSync('git', ['status', '--porcelain', '--', LEDGER_FILE], { cwd: dir, encoding: 'utf8' })).toBe('');
    } finally {
      worker.killHard();
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 300_000);
});
