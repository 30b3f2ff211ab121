import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { referenceImage } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
// Steps paced a little so the live progress can be seen before a 30-step draft run is over.
beforeAll(async () => (session = await studioSession({ STUDIO_TRAIN_STEP_DELAY_S: '0.3' })));
afterAll(() => session?.close());

describe('Asset Manager (Chromium, real engine, CPU trainer)', () => {
  it('creates a character, takes images by file input and by drop, flags a near-duplicate, trains with live progress and a loss chart, and lists the version', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(session.engine.baseUrl);
    await page.getByRole('link', { name: 'Assets' }).click();
    await page.waitForURL(/\/assets$/);
    await page.getByTestId('new-asset').click();
    await page.getByTestId('asset-name').fill('Kira Vale');
    await page.getByTestId('asset-trigger').fill('kira vale');
    expect(await page.getByTestId('trigger-problem').textContent()).toMatch(/one token/);
    await page.getByTestId('asset-trigger').fill('kiravale');
    await page.getByTestId('create-asset').click();
    await page.waitForURL(/\/assets\/ast-[a-z0-9]{10}$/);

    // Seven by the file input.
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => referenceImage(i)));
    await page.getByTestId('image-input').setInputFiles(images.slice(0, 7).map((buffer, i) => ({ name: `ref_${i}.png`, mimeType: 'image/png', buffer })));
    await page.getByTestId('upload-result').getByText('7 added').waitFor();

    // The eighth and a resized copy of the first by drag-and-drop: the copy is a near-duplicate.
    const copy = await sharp(images[0]!).resize(224, 224).png().toBuffer();
    const dropped = await page.evaluateHandle(
      (files) => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
        return dt;
      },
      [
        { name: 'ref_7.png', type: 'image/png', b64: images[7]!.toString('base64') },
        { name: 'ref_0_small.png', type: 'image/png', b64: copy.toString('base64') },
      ],
    );
    await page.dispatchEvent('[data-testid=image-drop]', 'drop', { dataTransfer: dropped });
    await page.getByTestId('upload-result').getByText('2 added').waitFor();
    await page.getByTestId('near-duplicates').waitFor();
    expect(await page.getByTestId('dup-badge').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-image-id]').count()).toBe(9);
    await session.screenshot(page, 'assets-images');

    // Train on the draft base with few steps (Advanced).
    await page.getByText('Advanced').click();
    await page.getByTestId('train-steps').fill('30');
    await page.getByTestId('train').click();
    const run = page.getByTestId('training-run').first();
    await run.getByText(/Training step \d+\/30/).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points')) >= 3, null, { timeout: 60_000 });
    await session.screenshot(page, 'assets-training');
    await run.getByTestId('training-sample').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('lora-version').getByText('KIRA_VALE_v01.safetensors').waitFor({ timeout: 90_000 });
    expect(await run.getAttribute('data-state')).toBe('succeeded');
    expect(Number(await page.getByTestId('loss-chart').first().getAttribute('data-points'))).toBe(30);
    await session.screenshot(page, 'assets-trained');
    await page.close();
  }, 180_000);

  it('links an Asset node on the canvas to the library asset and its LoRA versions', async () => {
    const base = session.engine.baseUrl;
    const [asset] = ((await (await fetch(`${base}/api/v1/assets`)).json()) as { assets: Array<{ id: string; name: string }> }).assets;
    const created = (await (
      await fetch(`${base}/api/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Asset Canvas' }),
      })
    ).json()) as { id: string };
    const graph = { nodes: [{ id: 'asset-1', type: 'asset', position: { x: 0, y: 0 }, data: { name: 'Untitled asset', kind: 'character' } }], edges: [] };
    expect(
      (
        await fetch(`${base}/api/v1/projects/${created.id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ graph, version: 1 }),
        })
      ).ok,
    ).toBe(true);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/projects/${created.id}`);
    const select = page.getByTestId('asset-library');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=asset-library] option').length > 1);
    await select.selectOption(asset!.id);
    await page
      .getByTestId('asset-version')
      .getByText(/KIRA_VALE_v01/)
      .first()
      .waitFor({ state: 'attached' });
    await expect
      .poll(async () => {
        const saved = (await (await fetch(`${base}/api/v1/projects/${created.id}`)).json()) as { graph: { nodes: Array<{ data: Record<string, unknown> }> } };
        return saved.graph.nodes[0]!.data;
      })
      .toMatchObject({ assetId: asset!.id, name: 'Kira Vale', triggerWord: 'kiravale' });
    await page.locator('img[alt="Cover of Kira Vale"]').waitFor();
    await session.screenshot(page, 'assets-canvas-node');
    await page.close();
  });
});
