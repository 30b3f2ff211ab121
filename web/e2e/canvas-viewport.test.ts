import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type SpawnedEngine } from '@studio/engine/testing';
import { ARTIFACTS_DIR, launchChromium } from './browser.ts';

let home: string;
let engine: SpawnedEngine;
let browser: Browser;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-viewport-e2e-'));
  // A loaded machine can take longer than the default 20 s to start an engine.
  engine = await spawnEngine({ env: { STUDIO_HOME: home }, timeoutMs: 120_000 });
  browser = await launchChromium();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});
const session = {
  get engine() {
    return engine;
  },
  get browser() {
    return browser;
  },
  screenshot: (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) }),
};

/** Shots in scenes of 100, laid out scene by scene in rows of 50. */
function bigGraph(count: number) {
  return {
    nodes: Array.from({ length: count }, (_, i) => ({
      id: `n${i}`,
      type: 'shot',
      position: { x: (i % 50) * 320, y: Math.floor(i / 50) * 520 },
      data: {
        scene: `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`,
        shot: `SHOT_${String(10 + (i % 100) * 10).padStart(4, '0')}`,
        prompt: `shot ${i}`,
      },
    })),
    edges: [],
  };
}

async function projectWith(name: string, graph: unknown): Promise<string> {
  const base = session.engine.baseUrl;
  const { id } = (await (
    await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  ).json()) as { id: string };
  const saved = await fetch(`${base}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph, version: 1 }),
  });
  expect(saved.status).toBe(200);
  return id;
}

async function viewportOf(page: Page) {
  const transform = await page
    .locator('.svelte-flow__viewport')
    .first()
    .evaluate((el) => (el as HTMLElement).style.transform);
  const [, x, y, zoom] = /translate\(([-\d.]+)px, ?([-\d.]+)px\) scale\(([-\d.]+)\)/.exec(transform)!.map(Number);
  return { x: x!, y: y!, zoom: zoom! };
}

async function openCanvas(page: Page, id: string) {
  await page.goto(`${session.engine.baseUrl}/projects/${id}`);
  await page.locator('.svelte-flow__node').first().waitFor({ timeout: 400_000 });
}

describe('canvas first view (Chromium)', () => {
  it('still frames a small graph whole', async () => {
    const id = await projectWith('Small', bigGraph(12));
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openCanvas(page, id);
    await page.waitForFunction(() => document.querySelectorAll('.svelte-flow__node').length === 12, undefined, { timeout: 120_000 });
    for (const node of await page.locator('.svelte-flow__node').all()) {
      const box = (await node.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(1400);
    }
    await page.close();
  }, 300_000);

  it('opens a 2,000-node graph (too big to frame whole) on its first scene at a workable zoom, mounting a screenful, then where it was left', async () => {
    const id = await projectWith('Epic', bigGraph(2000));
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The most nodes ever in the DOM while it opens: Svelte Flow mounts every node it has not
    // measured, wherever it is, unless the node comes with an estimated size and handles.
    await page.addInitScript(() => {
      const w = window as unknown as { __mostNodes: number };
      w.__mostNodes = 0;
      new MutationObserver(() => {
        w.__mostNodes = Math.max(w.__mostNodes, document.querySelectorAll('.svelte-flow__node').length);
      }).observe(document, { childList: true, subtree: true });
    });
    await openCanvas(page, id);
    const first = await viewportOf(page);
    expect(first.zoom).toBeGreaterThanOrEqual(0.3);
    const mounted = await page.locator('.svelte-flow__node').count();
    expect(mounted).toBeGreaterThan(0);
    expect(mounted).toBeLessThan(400);
    expect(await page.evaluate(() => (window as unknown as { __mostNodes: number }).__mostNodes)).toBeLessThan(400);
    // The first scene's first shot is in view.
    const firstShot = await page.locator('[data-id="n0"]').boundingBox();
    expect(firstShot).not.toBeNull();
    expect(firstShot!.x).toBeGreaterThanOrEqual(0);
    expect(firstShot!.y).toBeGreaterThanOrEqual(0);
    await session.screenshot(page, 'canvas-2000-first-view');

    // Pan by dragging the bare pane (not a node, nor the minimap, which pans at its own scale), then reopen.
    const pane = (await page.locator('.svelte-flow__pane').boundingBox())!;
    const spot = await page.evaluate((box) => {
      for (let y = box.y + box.height - 20; y > box.y + 120; y -= 7)
        for (let x = box.x + 300; x < box.x + box.width - 260; x += 7) {
          const el = document.elementFromPoint(x, y);
          if (el?.closest('.svelte-flow__pane') && !el.closest('.svelte-flow__node, .svelte-flow__panel, .svelte-flow__minimap, .svelte-flow__controls'))
            return { x, y };
        }
      return null;
    }, pane);
    expect(spot).not.toBeNull();
    await page.mouse.move(spot!.x, spot!.y);
    await page.mouse.down();
    await page.mouse.move(spot!.x - 240, spot!.y - 110, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    const left = await viewportOf(page);
    expect(left.x).toBeCloseTo(first.x - 240, 0);
    expect(left.y).toBeCloseTo(first.y - 110, 0);
    await openCanvas(page, id);
    const reopened = await viewportOf(page);
    expect(reopened.zoom).toBeCloseTo(left.zoom, 3);
    expect(reopened.x).toBeCloseTo(left.x, 0);
    expect(reopened.y).toBeCloseTo(left.y, 0);
    await page.close();
  }, 900_000);
});
