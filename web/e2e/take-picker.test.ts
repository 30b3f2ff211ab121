import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()), 180_000);
afterAll(() => session?.close());

/** A 1x1 PNG: the picker lists files, it does not decode them. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const TAKES = 120;

describe('the take picker pages a shot with many takes (Chromium)', () => {
  it(`opens a shot with ${TAKES} takes reading only its newest 50, and pages in older ones on request`, async () => {
    const base = session.engine.baseUrl;
    const { id } = (await (
      await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Take Picker' }) })
    ).json()) as { id: string };
    const graph = {
      nodes: [{ id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'many takes' } }],
      edges: [],
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
    const folder = join(session.home, 'Projects', id, '03_Renders', 'SCENE_01', 'SHOT_010');
    await mkdir(folder, { recursive: true });
    for (let n = 1; n <= TAKES; n++) await writeFile(join(folder, `SHOT-010_v01_take${String(n).padStart(2, '0')}.png`), PIXEL);

    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const takeRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.endsWith('/takes')) takeRequests.push(new URL(r.url()).search);
    });
    await page.goto(`${base}/projects/${id}`);
    const node = page.locator('[data-testid="node-shot"]');
    // The node shows the newest takes as thumbnails, with a way to the rest.
    await expect.poll(() => node.locator('[data-testid="take"]').count(), { timeout: 60_000 }).toBe(12);
    expect(takeRequests).toEqual(['?limit=50']);
    expect(await node.locator('[data-testid="take"]').first().getAttribute('data-path')).toContain('take120');
    await node.getByTestId('more-takes').waitFor();
    await node.getByTestId('all-takes').click();
    const grid = page.getByTestId('takes-dialog');
    const cards = () => grid.locator('[data-testid="take-card"]').evaluateAll((els) => els.map((el) => el.getAttribute('data-path') ?? ''));
    await expect.poll(async () => (await cards()).length, { timeout: 30_000 }).toBe(50);
    let shown = await cards();
    expect(shown[0]).toContain('take120');
    expect(shown.at(-1)).toContain('take71');
    await expect(grid.getByTestId('older-takes').count()).resolves.toBe(1);
    await session.screenshot(page, 'take-picker-first-page');

    // "Older takes…" pages in the next 50, then the last 20, after which it is gone.
    await grid.getByTestId('older-takes').click();
    await expect.poll(async () => (await cards()).length, { timeout: 30_000 }).toBe(100);
    await grid.getByTestId('older-takes').click();
    await expect.poll(async () => (await cards()).length, { timeout: 30_000 }).toBe(TAKES);
    shown = await cards();
    expect(shown.at(-1)).toContain('take01');
    expect(new Set(shown).size).toBe(TAKES);
    await expect.poll(() => grid.getByTestId('older-takes').count(), { timeout: 10_000 }).toBe(0);
    // Paging in chose nothing: the node still has no active take.
    expect(await grid.locator('[data-testid="take-use"][aria-pressed="true"]').count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect(node.getByTestId('open-take').isDisabled()).resolves.toBe(true);
    await page.close();
  }, 300_000);
});
