import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerForTests, TEST_PIPELINES, spawnEngine, type SpawnedEngine } from '@studio/engine/testing';
import { ARTIFACTS_DIR, launchChromium } from './browser.ts';
import { connect, moveNode } from './canvas-actions.ts';

let home: string;
let engine: SpawnedEngine;
let browser: Browser;
let docker: Awaited<ReturnType<typeof dockerForTests>>;

beforeAll(async () => {
  docker = await dockerForTests(['draft-image', 'draft-video', 'tts-espeak', 'test-fail', 'test-slow']);
  home = await mkdtemp(join(tmpdir(), 'studio-generate-e2e-'));
  engine = await spawnEngine({
    env: { STUDIO_HOME: home, PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: docker.ready ? 'docker' : 'process' },
  });
  browser = await launchChromium();
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

const shot = '[data-testid="node-shot"]';
const pipeline = '[data-testid="node-pipeline"]';
const shot$ = (page: Page) => page.locator(shot);

async function generateAndWait(page: Page, node: string, takes: number) {
  await page.locator(node).getByTestId('generate').click();
  await expect.poll(() => page.locator(`${node} [data-testid="takes"] [data-testid="take"]`).count(), { timeout: 60_000 }).toBe(takes);
}

describe('the core workflow: generate a shot in the browser (docker backend)', () => {
  it('creates a project, wires a shot to a pipeline, generates takes, switches takes, plays video and audio, shows failures and cancels', async (ctx) => {
    if (!docker.ready) return ctx.skip();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));

    // 1. Create a project, open its canvas, add a Shot and a Pipeline, connect them, type a prompt.
    await page.goto(engine.baseUrl);
    await page.getByRole('button', { name: 'New Project' }).click();
    await page.getByLabel('Title').fill('Lighthouse');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL('**/projects/lighthouse');
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByTestId('palette-shot').click();
    await shot$(page).waitFor();
    await page.getByTestId('palette-pipeline').click();
    await page.locator(pipeline).waitFor();
    await moveNode(page, pipeline, -360, -120);
    await page.locator(pipeline).getByTestId('pipeline-select').selectOption('draft-image');
    await connect(page, pipeline, 'pipeline', shot, 'pipeline');
    await page.locator('.svelte-flow__edge').first().waitFor();
    await shot$(page).getByTestId('shot-prompt').fill('A lighthouse keeper lights the lamp at dusk');
    await shot$(page).getByTestId('shot-prompt').blur();

    // 2. Generate: the node shows it is working, then the take's thumbnail.
    await shot$(page).getByTestId('generate').click();
    await expect.poll(() => shot$(page).getAttribute('data-state'), { timeout: 30_000 }).toMatch(/queued|generating|done/);
    const thumb = shot$(page).locator('img');
    await thumb.waitFor({ timeout: 60_000 });
    expect(await thumb.getAttribute('src')).toContain('SHOT-010_v01_take01.png');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(1280);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'generate-first-take.png') });

    // 3. Generate again: take02 appears in the list; choose take01, reload: it is still the active one.
    await generateAndWait(page, shot, 2);
    await expect.poll(() => shot$(page).locator('img').getAttribute('src'), { timeout: 20_000 }).toContain('take02');
    const labels = await shot$(page)
      .locator('[data-testid="takes"] [data-testid="take"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
    expect(labels).toContain('SCENE_01 · SHOT_010 · v01 · take 01');
    await shot$(page).locator('[data-testid="takes"] [data-testid="take"][data-path$="_take01.png"]').click();
    await expect.poll(() => shot$(page).locator('img').getAttribute('src'), { timeout: 20_000 }).toContain('take01');
    await page.waitForTimeout(300);
    await page.reload();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await expect.poll(() => shot$(page).locator('img').getAttribute('src'), { timeout: 20_000 }).toContain('take01');

    // A video take plays in the node, streamed with range requests.
    await page.locator(pipeline).getByTestId('pipeline-select').selectOption('draft-video');
    // The wired pipeline decides the task: the Shot's menu follows it and is not a choice then.
    await expect.poll(() => shot$(page).getByTestId('shot-task-type').inputValue()).toBe('generate-video');
    expect(await shot$(page).getByTestId('shot-task-type').isDisabled()).toBe(true);
    await shot$(page).getByTestId('generate').click();
    const video = shot$(page).locator('video');
    await video.waitFor({ timeout: 90_000 });
    expect(await video.getAttribute('src')).toContain('SHOT-010_v02_take03.mp4');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => Math.round(v.duration))).toBe(4);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'generate-video-take.png') });

    // An audio take (TTS) plays too.
    await page.getByTestId('palette-audio').click();
    const audioNode = page.locator('[data-testid="node-audio"]');
    await audioNode.waitFor();
    await audioNode.getByTestId('audio-text').fill('The lamp is lit. Ships can see the rocks tonight.');
    await audioNode.getByTestId('audio-text').blur();
    await audioNode.getByTestId('generate').click();
    const audio = audioNode.getByTestId('audio-player');
    await expect.poll(async () => (await audio.getAttribute('src')) ?? '', { timeout: 60_000 }).toContain('.wav');
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration), { timeout: 20_000 }).toBeGreaterThan(1);

    // 4. A failed job shows its error on the node.
    await page.locator(pipeline).getByTestId('pipeline-select').selectOption('test-fail');
    await shot$(page).getByTestId('generate').click();
    const error = shot$(page).locator('.node-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toContain('out of memory');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'generate-failed.png') });

    // 5. A running job can be cancelled from the node.
    await page.locator(pipeline).getByTestId('pipeline-select').selectOption('test-slow');
    await shot$(page).getByTestId('generate').click();
    await shot$(page).getByTestId('node-progress').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'generate-progress.png') });
    await shot$(page).getByTestId('cancel').click();
    await expect.poll(() => shot$(page).getAttribute('data-state'), { timeout: 20_000 }).toBe('cancelled');

    // The dashboard shows the latest take as the project's thumbnail.
    await page.goto(engine.baseUrl);
    const card = page.locator('[data-project-id="lighthouse"] img');
    await card.waitFor();
    expect(await card.getAttribute('src')).toContain('/files/');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-with-take.png') });
    await page.close();
  });
});
