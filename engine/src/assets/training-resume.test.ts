import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { waitForTask } from '../testing/project-fixture.ts';
import { testSettings } from '../testing/test-settings.ts';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../runner/process-backend.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
// With spare interpreters, as `npm start` runs (STUDIO_WARM_START=1): both runs start in a spare that imported torch ahead of them.
const settings = testSettings({ STUDIO_TRAIN_STEP_DELAY_S: '0.25', TRAIN_CANCEL_GRACE_MS: '20000' });
const backend = new ProcessBackend({ path: settings.path, home: settings.home, warm: true });
const trainer = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]).get('draft-lora-train');
beforeAll(async () => {
  // Slow steps, so the cancel lands mid-run.
  studio = await jobApp({ concurrency: 1, settings, backends: [backend] });
});
afterAll(async () => {
  await studio?.close();
});

type Detail = { curve: Array<[number, number]>; train_step: number | null };
const status = async (taskId: string) => (await (await fetch(`${studio.base}/api/v1/tasks/${taskId}`)).json()) as { status: string; detail: Detail };
const train = async (assetId: string, body: Record<string, unknown>) =>
  (await (
    await fetch(`${studio.base}/api/v1/assets/${assetId}/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json()) as { task_id: string };

describe('cancel and resume a training run (real trainer)', () => {
  it('stops at the flag with a checkpoint, resumes from it counting our own steps, and makes exactly one version', async () => {
    const { body: asset } = await createAsset(studio.base, { name: 'Resumed', kind: 'character', trigger_word: 'resumed' });
    await uploadImages(
      studio.base,
      asset.id,
      await Promise.all(Array.from({ length: 4 }, async (_, i) => ({ name: `r${i}.png`, bytes: await referenceImage(i + 3) }))),
    );
    // The worker made the trainer's spare when it started.
    const spare = backend.sparePid(trainer);
    expect(spare).toBeGreaterThan(0);
    const first = await train(asset.id, { base: 'draft', preset: 'cpu', params: { steps: 36 } });
    // Checkpoints every 6 steps (36 / 6): wait past the second one.
    await expect.poll(async () => (await status(first.task_id)).detail.curve.length, { timeout: 90_000, interval: 300 }).toBeGreaterThanOrEqual(14);
    const cancel = await fetch(`${studio.base}/api/v1/tasks/${first.task_id}/cancel`, { method: 'POST' });
    expect(((await cancel.json()) as { status: string }).status).toBe('cancelling');
    const stopped = await waitForTask(studio.base, first.task_id, ['succeeded', 'failed', 'cancelled'], 30_000);
    expect(stopped.status).toBe('cancelled');
    const doneSteps = (await status(first.task_id)).detail.curve.length;
    expect(doneSteps).toBeLessThan(36);

    // The cancelled run was the spare's (it is gone), and the next run has a spare of its own.
    expect(() => process.kill(spare!, 0)).toThrow();
    const nextSpare = backend.sparePid(trainer);
    expect(nextSpare).toBeGreaterThan(0);
    expect(nextSpare).not.toBe(spare);
    const second = await train(asset.id, { base: 'draft', preset: 'cpu', params: { steps: 36 }, resume_from: first.task_id });
    const finished = await waitForTask(studio.base, second.task_id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(finished.status).toBe('succeeded');
    const resumedCurve = (await status(second.task_id)).detail.curve;
    // Our step count continues from the checkpoint (at most 5 steps before the cancel), it does not restart at 1.
    expect(resumedCurve[0]![0]).toBeGreaterThan(6);
    expect(resumedCurve[0]![0]).toBeLessThanOrEqual(doneSteps + 1);
    expect(resumedCurve.at(-1)![0]).toBe(36);

    const view = (await (await fetch(`${studio.base}/api/v1/assets/${asset.id}`)).json()) as { versions: Array<{ name: string; sidecar: string }> };
    expect(view.versions.map((v) => v.name)).toEqual(['RESUMED_v01']);
    const sidecar = JSON.parse(await readFile(join(studio.home, 'Library/Generative_Assets', asset.id, view.versions[0]!.sidecar), 'utf8'));
    expect(sidecar).toMatchObject({ steps: 36, resumed_from_task: first.task_id });
    expect(sidecar.resumed_from_step).toBe(resumedCurve[0]![0] - 1);
    // The loss curve in the provenance covers the whole run, both tasks.
    expect(sidecar.loss_curve.map((p: [number, number]) => p[0])).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  }, 240_000);
});
