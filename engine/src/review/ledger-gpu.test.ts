import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerAnswer } from '@studio/node-schemas';
import { profileKey } from '../jobs/vram-profile.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import { jobApp } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { testSettings } from '../testing/test-settings.ts';
import { BUILT_IN_RATES, roundCredits } from './rates-table.ts';

// One declared 24 GB GPU (a test double stands in for the model; the GPU is only a slot here).
let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => {
  const settings = testSettings({ WORKER_VRAM_GB: '24', WORKER_GPUS: '1' });
  studio = await jobApp({ concurrency: 1, settings, backends: [new ProcessBackend({ gpus: true, path: settings.path, home: settings.home })] });
});
afterAll(() => studio?.close());

async function ledgerWith(id: string, count: number): Promise<LedgerAnswer> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    const answer = (await (await fetch(`${studio.base}/api/v1/projects/${id}/ledger`)).json()) as LedgerAnswer;
    if (answer.entries.length >= count) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ledger of ${id} never reached ${count} entries`);
}

describe('GPU jobs in the ledger', () => {
  it('charges GPU-seconds at the VRAM tier the job was placed on, and budgets estimate from the observed time of the pipeline', async () => {
    // test-gpu-sleep needs 16 GB at standard quality: it goes to the 16 GB tier's queue of the 24 GB GPU.
    const id = await projectWithShot(studio.base, { name: 'Ledger GPU', pipelineId: 'test-gpu-sleep', extra: { params: { sleep_ms: 400 } } });
    const taskId = await generate(studio.base, id);
    expect((await waitForTask(studio.base, taskId)).status).toBe('succeeded');
    const { entries, totals } = await ledgerWith(id, 1);
    const job = (await studio.ctx.tasks!.findJob(taskId))!.job;
    expect(job.queueName).toBe('gpu-16@test-gpu-sleep');
    const seconds = (job.finishedOn! - job.processedOn!) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(0.4);
    expect(entries[0]).toMatchObject({ task_id: taskId, tier: 16, gpu_seconds: seconds, cpu_seconds: 0, rate: BUILT_IN_RATES.gpu_second['16'] });
    expect(entries[0]!.credits).toBe(roundCredits(seconds * BUILT_IN_RATES.gpu_second['16']!));
    expect(totals.gpu_seconds_by_tier).toEqual({ '16': seconds });

    // The estimate of the next run is the observed mean wall time of test-gpu-sleep at standard, at the 16 GB rate.
    const profile = (await studio.ctx.tasks!.profiles.read([['test-gpu-sleep', 'standard']])).get(profileKey('test-gpu-sleep', 'standard'))!;
    const estimate = roundCredits(profile.meanWallS * BUILT_IN_RATES.gpu_second['16']!);
    const project = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as { version: number };
    const budget = roundCredits(totals.spent + estimate / 2);
    await fetch(`${studio.base}/api/v1/projects/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: project.version, budget }),
    });
    const refused = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: id, node_id: 'shot-1' }),
    });
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      scope: 'project',
      budget,
      spent: totals.spent,
      estimate,
      left: roundCredits(budget - totals.spent),
    });
  });

  it('charges a GPU run cancelled while running for the time it held the GPU (outcome cancelled)', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger GPU Cancel', pipelineId: 'test-gpu-sleep', extra: { params: { sleep_ms: 20_000 } } });
    const taskId = await generate(studio.base, id);
    await waitForTask(studio.base, taskId, ['running']);
    await new Promise((r) => setTimeout(r, 500));
    const cancel = await fetch(`${studio.base}/api/v1/tasks/${taskId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect((await waitForTask(studio.base, taskId)).status).toBe('cancelled');
    const { entries } = await ledgerWith(id, 1);
    const job = (await studio.ctx.tasks!.findJob(taskId))!.job;
    expect(entries).toEqual([
      expect.objectContaining({ task_id: taskId, outcome: 'cancelled', tier: 16, gpu_seconds: (job.finishedOn! - job.processedOn!) / 1000 }),
    ]);
    expect(entries[0]!.gpu_seconds).toBeGreaterThanOrEqual(0.5);
    expect(entries[0]!.gpu_seconds).toBeLessThan(20);
  });
});
