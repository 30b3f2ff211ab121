import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES, generate as generateByApi, waitForTask } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
/** The project the first test makes; the second carries on in it. */
let projectId: string;
beforeAll(async () => (session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' })), 180_000);
afterAll(() => session?.close());

const SHOT = '[data-testid="node-shot"]';
const FOLDER = '03_Renders/SCENE_01/SHOT_010';

async function projectWithShot(base: string): Promise<string> {
  const { id } = (await (
    await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Provenance' }) })
  ).json()) as { id: string };
  const graph = {
    nodes: [
      {
        id: 'shot-1',
        type: 'shot',
        position: { x: 0, y: 0 },
        data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'A lighthouse keeper lights the lamp at dusk', negativePrompt: 'fog', duration: 1 },
      },
      { id: 'pipe-1', type: 'pipeline', position: { x: -340, y: 0 }, data: { pipelineId: 'draft-image' } },
    ],
    edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
  };
  const res = await fetch(`${base}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph, version: 1 }),
  });
  expect(res.status).toBe(200);
  return id;
}

const thumbs = (page: Page) => page.locator(`${SHOT} [data-testid="takes"] [data-testid="take"]`);
const takePaths = (page: Page) => thumbs(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-path') ?? ''));

/** Clicks Generate and waits for the strip to hold `count` takes and the node to be done. */
async function generate(page: Page, count: number) {
  const button = page.locator(SHOT).getByTestId('generate');
  await expect.poll(() => button.isEnabled(), { timeout: 30_000 }).toBe(true);
  await button.click();
  await expect.poll(async () => (await takePaths(page)).length, { timeout: 120_000 }).toBe(count);
}

async function openProvenance(page: Page) {
  await page.locator(SHOT).getByTestId('open-take').click();
  const dialog = page.getByTestId('provenance-dialog');
  await dialog.waitFor();
  await expect.poll(() => dialog.getByTestId('prov-seed').textContent(), { timeout: 20_000 }).toMatch(/^\d+$/);
  return dialog;
}

describe('take provenance, compare and hide in the canvas (Chromium)', () => {
  it('reads a take as thumbnails, opens its provenance, generates again with its seed, compares two takes and hides one', async () => {
    const base = session.engine.baseUrl;
    const id = (projectId = await projectWithShot(base));
    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.locator(SHOT).waitFor();
    await expect(page.locator(SHOT).getByTestId('no-takes').textContent()).resolves.toBe('No takes yet');

    // Two takes, shown as thumbnails (newest first) with readable names, never file names.
    await generate(page, 1);
    await generate(page, 2);
    const [take02, take01] = await takePaths(page);
    expect(take01).toBe(`${FOLDER}/SHOT-010_v01_take01.png`);
    expect(take02).toBe(`${FOLDER}/SHOT-010_v01_take02.png`);
    expect(await thumbs(page).first().getAttribute('aria-label')).toBe('SCENE_01 · SHOT_010 · v01 · take 02');
    expect(await page.locator(SHOT).getByTestId('takes').textContent()).not.toContain('SHOT-010_v01');
    // Each thumbnail is a small JPEG the engine made from the take, not the full-size picture.
    const thumbUrl = await thumbs(page)
      .first()
      .evaluate((el) => /url\("?(.*?)"?\)/.exec(getComputedStyle(el).backgroundImage)?.[1] ?? '');
    const thumb = await fetch(thumbUrl);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(new URL(thumb.url).pathname).toContain('/files/05_Cache/thumbnails/');
    await expect.poll(() => page.locator(SHOT).locator('img').getAttribute('src'), { timeout: 20_000 }).toContain('take02');

    // One click chooses a take.
    await page.locator(`${SHOT} [data-testid="take"][data-path="${take01}"]`).click();
    await expect.poll(() => page.locator(SHOT).locator('img').getAttribute('src'), { timeout: 20_000 }).toContain('take01');
    expect(await page.locator(`${SHOT} [data-testid="take"][data-path="${take01}"]`).getAttribute('aria-pressed')).toBe('true');
    await session.screenshot(page, 'provenance-takes-strip');

    // Its provenance: prompt, negative prompt, seed, pipeline; the dialog has focus and Escape closes it.
    let dialog = await openProvenance(page);
    expect(await dialog.getByTestId('prov-prompt').textContent()).toBe('A lighthouse keeper lights the lamp at dusk');
    expect(await dialog.getByTestId('prov-negative').textContent()).toBe('fog');
    expect(await dialog.getByTestId('prov-pipeline').textContent()).toContain('draft-image');
    expect(await dialog.getByTestId('prov-quality').textContent()).toBeTruthy();
    // What the ledger charged for the task, when it holds an entry for it.
    const cost = ((await (await fetch(`${base}/api/v1/projects/${id}/takes/${take01}/provenance`)).json()) as { cost: { credits: number } | null }).cost;
    expect(await dialog.getByTestId('prov-cost').textContent()).toBe(cost ? `${cost.credits} credit${cost.credits === 1 ? '' : 's'}` : 'No ledger entry');
    const seed01 = Number(await dialog.getByTestId('prov-seed').textContent());
    expect(await dialog.getByTestId('take-large').getAttribute('src')).toContain('take01');
    expect(await page.evaluate(() => document.activeElement?.closest('dialog')?.getAttribute('data-testid'))).toBe('provenance-dialog');
    await session.screenshot(page, 'provenance-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('provenance-dialog').count()).toBe(0);

    // "Generate again with this seed": a new take with the same seed (the shot's seed is now pinned to it).
    dialog = await openProvenance(page);
    await dialog.getByTestId('generate-again-seed').click();
    await expect.poll(() => page.getByTestId('provenance-dialog').count()).toBe(0);
    await expect.poll(async () => (await takePaths(page)).length, { timeout: 120_000 }).toBe(3);
    const take03 = (await takePaths(page))[0]!;
    expect(take03).toBe(`${FOLDER}/SHOT-010_v01_take03.png`);
    await expect.poll(() => page.locator(SHOT).locator('img').getAttribute('src'), { timeout: 30_000 }).toContain('take03');
    dialog = await openProvenance(page);
    expect(Number(await dialog.getByTestId('prov-seed').textContent())).toBe(seed01);
    expect(await dialog.getByTestId('take-large').getAttribute('src')).toContain('take03');
    await dialog.getByTestId('dialog-close').click();
    await expect.poll(() => page.getByTestId('provenance-dialog').count()).toBe(0);

    // Compare: the active take beside the newest other one, side by side.
    await page.locator(SHOT).getByTestId('compare-takes').click();
    const compare = page.getByTestId('compare-dialog');
    await compare.waitFor();
    expect(await compare.getByTestId('compare-side').evaluateAll((els) => els.map((el) => el.getAttribute('data-path')))).toEqual([take03, take02]);
    await expect
      .poll(() => compare.locator('img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0)))
      .toBe(true);
    await session.screenshot(page, 'provenance-compare-images');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('compare-dialog').count()).toBe(0);

    // Hide take02 from the list: it leaves the strip and the grid; "Show hidden (1)" brings it back greyed, with Unhide.
    await page.locator(SHOT).getByTestId('all-takes').click();
    const grid = page.getByTestId('takes-dialog');
    await grid.waitFor();
    expect(await grid.getByTestId('take-card').count()).toBe(3);
    await grid.locator(`[data-testid="take-card"][data-path="${take02}"]`).getByTestId('take-hide').click();
    await expect.poll(() => grid.getByTestId('take-card').count()).toBe(2);
    await expect.poll(() => takePaths(page)).toEqual([take03, take01]);
    await grid.getByTestId('show-hidden').check();
    const hiddenCard = grid.locator(`[data-testid="take-card"][data-path="${take02}"]`);
    await hiddenCard.waitFor();
    expect(await hiddenCard.getByTestId('take-unhide').textContent()).toBe('Unhide');
    expect(await hiddenCard.getByTestId('take-open').getAttribute('data-hidden')).toBe('true');
    await session.screenshot(page, 'provenance-hidden-shown');
    await grid.getByTestId('show-hidden').uncheck();
    await page.keyboard.press('Escape');
    // Hidden in the node's data, never deleted: the file and its sidecar are still in the project.
    const project = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as { graph: { nodes: Array<{ id: string; data: Record<string, unknown> }> } };
    expect(project.graph.nodes.find((n) => n.id === 'shot-1')!.data.hiddenTakes).toEqual([take02]);
    expect((await fetch(`${base}/api/v1/projects/${id}/takes/${take02}/provenance`)).status).toBe(200);
    await page.close();
  }, 600_000);

  it('compares two video takes playing in sync, and follows the lineage from a take to the take it was made from', async () => {
    const base = session.engine.baseUrl;
    const id = projectId;
    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    // Two video takes: one Play button and one scrubber drive both.
    await page.locator('[data-testid="node-pipeline"]').getByTestId('pipeline-select').selectOption('draft-video');
    await expect.poll(() => page.locator(SHOT).getByTestId('shot-task-type').inputValue()).toBe('generate-video');
    const before = (await takePaths(page)).length;
    await generate(page, before + 1);
    await generate(page, before + 2);
    const [videoB, videoA] = await takePaths(page);
    expect(videoA).toMatch(/\.mp4$/);
    expect(videoB).toMatch(/\.mp4$/);
    await page.locator(SHOT).getByTestId('compare-takes').click();
    const compare = page.getByTestId('compare-dialog');
    await compare.waitFor();
    const videos = compare.getByTestId('compare-video');
    await expect.poll(() => videos.evaluateAll((vs) => (vs as HTMLVideoElement[]).every((v) => v.readyState >= 2)), { timeout: 30_000 }).toBe(true);
    expect(await videos.count()).toBe(2);
    await compare.getByTestId('compare-play').click();
    await expect
      .poll(() => videos.evaluateAll((vs) => (vs as HTMLVideoElement[]).every((v) => !v.paused && v.currentTime > 0)), { timeout: 10_000 })
      .toBe(true);
    await compare.getByTestId('compare-play').click();
    await expect.poll(() => videos.evaluateAll((vs) => (vs as HTMLVideoElement[]).every((v) => v.paused))).toBe(true);
    await compare.getByTestId('compare-scrub').fill('0.5');
    await expect
      .poll(() => videos.evaluateAll((vs) => (vs as HTMLVideoElement[]).map((v) => Math.round(v.currentTime * 100) / 100)), { timeout: 10_000 })
      .toEqual([0.5, 0.5]);
    await session.screenshot(page, 'provenance-compare-videos');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('compare-dialog').count()).toBe(0);

    const dir = join(session.home, 'Projects', id);
    // A take made from take01 (as an edit or a post-processing pass would be), written as the committer writes one.
    const derived = `${FOLDER}/SHOT-010_v02_take90.png`;
    const source = `${FOLDER}/SHOT-010_v01_take01.png`;
    await writeFile(join(dir, derived), await readFile(join(dir, source)));
    await writeFile(
      join(dir, derived.replace(/\.png$/, '.json')),
      JSON.stringify({
        format: 1,
        take: derived,
        version: 2,
        number: 90,
        task_id: 'fixture-edit',
        node_id: 'shot-1',
        pipeline: 'fixture-edit',
        seed: 5,
        prompt: 'brighter',
        params: {},
        inputs: { image: source },
      }),
    );

    await page.reload();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await expect.poll(async () => (await takePaths(page))[0], { timeout: 30_000 }).toBe(derived);
    await page.locator(`${SHOT} [data-testid="take"][data-path="${derived}"]`).click();
    const dialog = await openProvenance(page);
    const input = dialog.locator(`[data-testid="lineage-node"][data-path="${source}"]`);
    await input.waitFor();
    expect(await input.getAttribute('data-kind')).toBe('take');
    expect(await dialog.getByTestId('prov-inputs').textContent()).toContain('SCENE_01 · SHOT_010 · v01 · take 01');
    await session.screenshot(page, 'provenance-lineage');
    await input.click();
    await expect.poll(() => dialog.getByTestId('take-large').getAttribute('src'), { timeout: 20_000 }).toContain('take01');
    await expect.poll(() => dialog.getByTestId('prov-pipeline').textContent()).toContain('draft-image');
    await dialog.getByTestId('provenance-back').click();
    await expect.poll(() => dialog.getByTestId('prov-pipeline').textContent()).toContain('fixture-edit');
    await page.keyboard.press('Escape');

    await page.close();
  }, 600_000);
  it("opens a super-resolution take's provenance from its node and follows its lineage to the shot take it upscaled; an audio take is named after its node", async () => {
    const base = session.engine.baseUrl;
    const { id } = (await (
      await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Upscaled' }) })
    ).json()) as { id: string };
    const graph = {
      nodes: [
        { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'A harbour at dawn', seed: 77 } },
        { id: 'pipe-1', type: 'pipeline', position: { x: -340, y: 0 }, data: { pipelineId: 'draft-image' } },
        { id: 'sr-1', type: 'superResolution', position: { x: 360, y: 0 }, data: { scale: 2 } },
        { id: 'audio-1n1x4p640', type: 'audio', position: { x: 720, y: 0 }, data: { label: 'Harbour master', text: 'Boats out at dawn.' } },
      ],
      edges: [
        { id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' },
        { id: 'e-2', source: 'shot-1', sourceHandle: 'output', target: 'sr-1', targetHandle: 'input' },
      ],
    };
    expect(
      (
        await fetch(`${base}/api/v1/projects/${id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ graph, version: 1 }),
        })
      ).status,
    ).toBe(200);
    // The shot's take is the starting point; the super-resolution pass is made from the canvas.
    expect((await waitForTask(base, await generateByApi(base, id, 'shot-1'), undefined, 120_000)).status).toBe('succeeded');
    const shotTake = `${FOLDER}/SHOT-010_v01_take01.png`;

    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const sr = page.locator('[data-testid="node-superResolution"]');
    await sr.getByTestId('generate').click();
    await expect.poll(() => sr.locator('[data-testid="take"]').count(), { timeout: 120_000 }).toBe(1);
    const srTake = (await sr.locator('[data-testid="take"]').first().getAttribute('data-path'))!;
    expect(srTake).toBe(`${FOLDER}/SHOT-010_SR_v01_take01.png`);
    expect(await sr.locator('[data-testid="take"]').first().getAttribute('aria-label')).toBe('SCENE_01 · SHOT_010 Super resolution · v01 · take 01');

    await expect.poll(() => sr.getByTestId('open-take').isEnabled(), { timeout: 20_000 }).toBe(true);
    await sr.getByTestId('open-take').click();
    const dialog = page.getByTestId('provenance-dialog');
    await dialog.waitFor();
    await expect.poll(() => dialog.getByTestId('prov-params').textContent(), { timeout: 20_000 }).toContain('scale');
    const input = dialog.locator(`[data-testid="lineage-node"][data-path="${shotTake}"]`);
    await input.waitFor();
    expect(await input.getAttribute('data-kind')).toBe('take');
    expect(await dialog.getByTestId('prov-inputs').textContent()).toContain('SCENE_01 · SHOT_010 · v01 · take 01');
    await session.screenshot(page, 'provenance-sr-lineage');
    // The input take opens its own provenance: the shot's prompt, seed and pipeline; Back returns.
    await input.click();
    await expect.poll(() => dialog.getByTestId('prov-pipeline').textContent(), { timeout: 20_000 }).toContain('draft-image');
    expect(await dialog.getByTestId('prov-prompt').textContent()).toBe('A harbour at dawn');
    expect(await dialog.getByTestId('prov-seed').textContent()).toBe('77');
    // Another node's take: nothing here regenerates it from the super-resolution node; its own take can.
    expect(await dialog.getByTestId('generate-again-settings').count()).toBe(0);
    await dialog.getByTestId('provenance-back').click();
    await expect.poll(() => dialog.getByTestId('prov-params').textContent()).toContain('scale');
    expect(await dialog.getByTestId('generate-again-settings').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('provenance-dialog').count()).toBe(0);

    // "Generate again with these settings" puts the take's prompt back on the shot, then generates.
    const shotNode = page.locator(SHOT);
    await shotNode.getByTestId('shot-prompt').fill('A harbour at night');
    await shotNode.getByTestId('shot-prompt').blur();
    await shotNode.getByTestId('open-take').click();
    await expect.poll(() => dialog.getByTestId('prov-prompt').textContent(), { timeout: 20_000 }).toBe('A harbour at dawn');
    await dialog.getByTestId('generate-again-settings').click();
    await expect.poll(() => shotNode.getByTestId('shot-prompt').inputValue(), { timeout: 20_000 }).toBe('A harbour at dawn');
    await expect.poll(() => shotNode.locator('[data-testid="take"]').count(), { timeout: 120_000 }).toBe(2);
    const again = (await shotNode.locator('[data-testid="take"]').first().getAttribute('data-path'))!;
    expect(again).toBe(`${FOLDER}/SHOT-010_v01_take02.png`);
    const remade = (await (await fetch(`${base}/api/v1/projects/${id}/takes/${again}/provenance`)).json()) as { prompt: string; seed: number };
    expect(remade).toMatchObject({ prompt: 'A harbour at dawn', seed: 77 });

    // An audio take tied to no shot is named after its node's label, never its id.
    const audio = page.locator('[data-testid="node-audio"]');
    await audio.getByTestId('generate').click();
    await expect.poll(() => audio.locator('[data-testid="take"]').count(), { timeout: 120_000 }).toBe(1);
    const audioTake = audio.locator('[data-testid="take"]').first();
    expect(await audioTake.getAttribute('aria-label')).toBe('Harbour master · v01 · take 01');
    expect(await audioTake.getAttribute('data-path')).toBe('03_Renders/AUDIO/audio-1n1x4p640/AUDIO-HARBOUR_MASTER_v01_take01.wav');
    expect(await audio.getByTestId('takes').textContent()).not.toContain('1n1x4p640');
    await audio.getByTestId('open-take').click();
    await expect.poll(() => page.getByTestId('provenance-dialog').locator('h2').textContent(), { timeout: 20_000 }).toBe('Harbour master · v01 · take 01');
    expect(await page.getByTestId('provenance-dialog').getByTestId('prov-prompt').textContent()).toBe('Boats out at dawn.');
    await session.screenshot(page, 'provenance-audio-take');
    await page.keyboard.press('Escape');
    await page.close();
  }, 600_000);
});
