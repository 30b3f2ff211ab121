// Where a pipeline is chosen (the palette, the Pipeline node) and in the Workers panel, the canvas
// says what stands between a pipeline and a run: unverified, its image not built on any live
// worker, and the VRAM figures (the manifest's prior beside what the workers measured).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCI, ensureDockerDaemon, TEST_PIPELINES, generate, projectWithShot, waitForTask, spawnWorker } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
let worker: Awaited<ReturnType<typeof spawnWorker>> | null = null;
let dockerProblem: string | null;
let projectId: string;

beforeAll(async () => {
  // A worker tells "image not built" from "no Docker" only when a daemon answers.
  dockerProblem = await ensureDockerDaemon();
  if (dockerProblem) return;
  session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, STUDIO_LOCAL_WORKER: '0' });
  worker = await spawnWorker({
    PIPELINES_PATH: TEST_PIPELINES,
    STUDIO_HOME: session.home,
    REDIS_URL: `unix://${join(session.home, '.redis', 'redis.sock')}`,
    WORKER_NAME: 'gpu80',
    WORKER_VRAM_GB: '80',
  });
  // One measured run: test-gpu-sleep reports a 9 GB peak at standard quality (its manifest says 16 GB).
  projectId = await projectWithShot(session.engine.baseUrl, {
    name: 'Readiness',
    pipelineId: 'test-gpu-sleep',
    extra: { params: { sleep_ms: 100, peak_vram_mb: 9216 } },
  });
  const done = await waitForTask(session.engine.baseUrl, await generate(session.engine.baseUrl, projectId), ['succeeded', 'failed'], 60_000);
  if (done.status !== 'succeeded') throw new Error(`the measured run failed: ${done.error}`);
}, 300_000);
afterAll(async () => {
  await worker?.stop();
  await session?.close();
});

const pipelineNode = '[data-testid="node-pipeline"]';

async function openCanvas(page: Page) {
  await page.goto(`${session.engine.baseUrl}/projects/${projectId}`);
  await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  await page.locator(pipelineNode).waitFor();
}

describe('pipeline readiness in the canvas (a real GPU worker process, no GPU models built)', () => {
  it('the palette marks unverified pipelines, says when no live worker holds the image, and shows observed figures', async (ctx) => {
    if (dockerProblem) {
      if (isCI()) throw new Error(`Docker is required in CI: ${dockerProblem}`);
      return ctx.skip();
    }
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openCanvas(page);
    const wan = page.getByTestId('palette-pipeline-t2v-wan2.1');
    await expect.poll(() => wan.getByTestId('palette-problem').textContent()).toBe('Image not built on any live worker');
    expect(await wan.textContent()).toContain('unverified');
    // The test double is verified and runs on the host: nothing in its way, and its measured peak beside the manifest's.
    const sleep = page.getByTestId('palette-pipeline-test-gpu-sleep');
    expect(await sleep.textContent()).not.toContain('unverified');
    await expect.poll(() => sleep.getByTestId('palette-observed').textContent()).toMatch(/^seen 9 GB peak · needs 11 GB · \d+ runs? · [\d.]+ s$/);
    expect(await sleep.getByTestId('palette-problem').count()).toBe(0);

    // Choosing the unverified model on the Pipeline node says the same there.
    await page.locator(pipelineNode).getByTestId('pipeline-select').selectOption('t2v-wan2.1');
    await expect.poll(() => page.locator(pipelineNode).getByTestId('pipeline-unverified').count()).toBe(1);
    expect(await page.locator(pipelineNode).getByTestId('pipeline-problem').textContent()).toBe('Image not built on any live worker');
    expect(await page.locator(pipelineNode).getByTestId('pipeline-figures').textContent()).toContain('manifest 80 GB high');
    const optionText = await page.locator(pipelineNode).locator('option[value="t2v-wan2.1"]').textContent();
    expect(optionText).toMatch(/unverified · cannot run now$/);
    await session.screenshot(page, 'pipeline-readiness-node');

    // Back to the measured one: both figures on the node, no warning.
    await page.locator(pipelineNode).getByTestId('pipeline-select').selectOption('test-gpu-sleep');
    await expect
      .poll(() => page.locator(pipelineNode).getByTestId('pipeline-figures').textContent())
      .toMatch(/manifest 12 GB low · 16 GB standard · 24 GB high\s*seen 9 GB peak · needs 11 GB/);
    expect(await page.locator(pipelineNode).getByTestId('pipeline-unverified').count()).toBe(0);
    await page.close();
  });

  it('the Workers panel shows what each worker can start and the manifest beside the observed VRAM', async (ctx) => {
    if (dockerProblem) {
      if (isCI()) throw new Error(`Docker is required in CI: ${dockerProblem}`);
      return ctx.skip();
    }
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openCanvas(page);
    await page.getByTestId('workers-toggle').click();
    const panel = page.getByTestId('workers-panel');
    await expect.poll(() => panel.getByTestId('worker-pipelines').textContent()).toMatch(/^\s*Can start \d+ pipelines · \d+ images not built\s*$/);
    const row = panel.getByTestId('profile-test-gpu-sleep-standard');
    await expect
      .poll(() => row.locator('td').allTextContents())
      .toEqual(['test-gpu-sleep', 'standard', '16 GB', '9 GB', '11 GB', expect.stringMatching(/^\d+$/), expect.stringMatching(/^[\d.]+ s$/)]);
    await session.screenshot(page, 'pipeline-readiness-workers');
    await page.close();
  });
});
