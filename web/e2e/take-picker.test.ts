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
      if (r.url().includes('/takes')) takeRequests.push(new URL(r.url()).search);
    });
    await page.goto(`${base}/projects/${id}`);
    const select = page.locator('[data-testid="node-shot"] [data-testid="takes"]');
    const takeOptions = () =>
      select.locator('option').evaluateAll((options) => (options as HTMLOptionElement[]).map((o) => o.textContent ?? '').filter((t) => /take\d+/.test(t)));
    await expect.poll(async () => (await takeOptions()).length, { timeout: 60_000 }).toBe(50);
    expect(takeRequests).toEqual(['?limit=50']);
    let shown = await takeOptions();
    expect(shown[0]).toContain('take71');
    expect(shown.at(-1)).toContain('take120');
    await expect(select.locator('[data-testid="older-takes"]').count()).resolves.toBe(1);
    await session.screenshot(page, 'take-picker-first-page');

    // "Older takes…" pages in the next 50, then the last 20, after which it is gone.
    await select.selectOption({ label: 'Older takes…' });
    await expect.poll(async () => (await takeOptions()).length, { timeout: 30_000 }).toBe(100);
    await select.selectOption({ label: 'Older takes…' });
    await expect.poll(async () => (await takeOptions()).length, { timeout: 30_000 }).toBe(TAKES);
    shown = await takeOptions();
    expect(shown[0]).toContain('take01');
    expect(new Set(shown).size).toBe(TAKES);
    await expect.poll(() => select.locator('[data-testid="older-takes"]').count(), { timeout: 10_000 }).toBe(0);
    // Paging in chose nothing: the node still has no active take.
    await expect(select.inputValue()).resolves.toBe('');
    await page.close();
  }, 300_000);
});
