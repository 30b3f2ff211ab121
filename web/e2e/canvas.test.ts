import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type SpawnedEngine } from '@studio/engine/testing';
import { ARTIFACTS_DIR, launchChromium } from './browser.ts';
import { dragBetween } from './canvas-actions.ts';
import { mkdir } from 'node:fs/promises';

let home: string;
let port: number;
let engine: SpawnedEngine;
let browser: Browser;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-canvas-e2e-'));
  port = await freePort();
  engine = await spawnEngine({ env: { STUDIO_HOME: home, PORT: String(port) } });
  browser = await launchChromium();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

const shot = (page: Page) => page.locator('[data-testid="node-shot"]');
const pipelineNode = (page: Page) => page.locator('[data-testid="node-pipeline"]');

async function openCanvas(id: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${engine.baseUrl}/projects/${id}`);
  await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  return page;
}

async function serverGraph(id: string) {
  const res = await fetch(`${engine.baseUrl}/api/v1/projects/${id}`);
  return (
    (await res.json()) as {
      graph: {
        nodes: Array<{ id: string; type: string; data: Record<string, unknown> }>;
        edges: Array<{ source: string; target: string; sourceHandle: string; targetHandle: string }>;
      };
    }
  ).graph;
}

describe('Production Canvas (Chromium)', () => {
  it('adds Shot and Pipeline nodes, connects them, refuses a wrong socket with the reason, syncs a second window, undoes, and survives reload and engine restart', async () => {
    const created = await fetch(`${engine.baseUrl}/api/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Canvas E2E' }),
    });
    const { id } = (await created.json()) as { id: string };
    const page = await openCanvas(id);

    await page.getByTestId('palette-shot').click();
    await shot(page).waitFor();
    await page.getByTestId('palette-pipeline').click();
    await pipelineNode(page).waitFor();
    // Move the pipeline node left of the shot so the handles are apart.
    const pBox = (await pipelineNode(page).locator('header').boundingBox())!;
    await page.mouse.move(pBox.x + 20, pBox.y + pBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(pBox.x - 340, pBox.y + 40, { steps: 8 });
    await page.mouse.up();

    await dragBetween(
      page,
      '[data-testid="node-pipeline"] .svelte-flow__handle[data-handleid="pipeline"]',
      '[data-testid="node-shot"] .svelte-flow__handle[data-handleid="pipeline"]',
    );
    await page.mouse.up();
    await page.locator('.svelte-flow__edge').first().waitFor();
    await expect.poll(async () => (await serverGraph(id)).edges.length, { timeout: 20_000 }).toBe(1);
    const graph = await serverGraph(id);
    expect(graph.nodes.map((n) => n.type).sort()).toEqual(['pipeline', 'shot']);
    expect(graph.edges[0]).toMatchObject({ sourceHandle: 'pipeline', targetHandle: 'pipeline' });

    // An Audio output dragged onto the shot's Pipeline input is refused, with the reason shown.
    await page.getByTestId('palette-audio').click();
    const audio = page.locator('[data-testid="node-audio"]');
    await audio.waitFor();
    const aBox = (await audio.locator('header').boundingBox())!;
    await page.mouse.move(aBox.x + 20, aBox.y + aBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(aBox.x + 20, aBox.y + 330, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('undo').waitFor();
    // The shot's pipeline input is taken; try its Audio input from a Pipeline output instead: wrong type.
    await dragBetween(
      page,
      '[data-testid="node-pipeline"] .svelte-flow__handle[data-handleid="pipeline"]',
      '[data-testid="node-shot"] .svelte-flow__handle[data-handleid="audio"]',
    );
    const hint = page.getByTestId('connection-hint');
    await hint.waitFor();
    expect(await hint.textContent()).toContain('PipelineReference cannot connect to Audio');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'canvas-refused-connection.png') });
    await page.mouse.up();
    await page.waitForTimeout(300);
    expect((await serverGraph(id)).edges).toHaveLength(1);

    // A second window sees the first window's edits live.
    const second = await openCanvas(id);
    await expect.poll(() => second.locator('.svelte-flow__edge').count(), { timeout: 20_000 }).toBe(1);
    await shot(page).getByTestId('shot-prompt').fill('A lighthouse keeper lights the lamp at dusk');
    await shot(page).getByTestId('shot-prompt').blur();
    await expect.poll(() => shot(second).getByTestId('shot-prompt').inputValue(), { timeout: 20_000 }).toBe('A lighthouse keeper lights the lamp at dusk');
    await second.screenshot({ path: join(ARTIFACTS_DIR, 'canvas-second-window.png') });

    // Undo and redo travel to the other window like any edit.
    const promptOnServer = async () => (await serverGraph(id)).nodes.find((n) => n.type === 'shot')!.data.prompt;
    await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(promptOnServer, { timeout: 20_000 }).toBe('');
    await expect.poll(() => shot(second).getByTestId('shot-prompt').inputValue(), { timeout: 20_000 }).toBe('');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(promptOnServer, { timeout: 20_000 }).toBe('A lighthouse keeper lights the lamp at dusk');
    await expect.poll(() => shot(second).getByTestId('shot-prompt').inputValue(), { timeout: 20_000 }).toBe('A lighthouse keeper lights the lamp at dusk');

    // Reload: the same graph.
    await page.reload();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await expect.poll(() => page.locator('.svelte-flow__node').count(), { timeout: 20_000 }).toBe(3);
    expect(await page.locator('.svelte-flow__edge').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'canvas-after-reload.png') });

    // The engine goes away: the window says so; it comes back: the window reconnects and catches up.
    await engine.stop();
    await page.getByTestId('offline-banner').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'canvas-offline.png') });
    engine = await spawnEngine({ env: { STUDIO_HOME: home, PORT: String(port) } });
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor({ timeout: 20_000 });
    await second.locator('[data-testid="sync-status"][data-status="live"]').waitFor({ timeout: 20_000 });
    await second.getByTestId('palette-videoRestoration').click();
    // The new node may land outside this window's view (each window keeps its own viewport and only
    // nodes in view are drawn): the minimap draws every node the window holds.
    await expect.poll(() => page.locator('.svelte-flow__minimap-node').count(), { timeout: 20_000 }).toBe(4);
    // Drawn from markup: still SVG rects that take up room, not HTML elements of the same name.
    expect(
      await page
        .locator('.svelte-flow__minimap-node')
        .first()
        .evaluate((el) => el instanceof SVGRectElement && el.getBBox().width > 0),
    ).toBe(true);
    await page.locator('.svelte-flow__controls-fitview').click();
    await page.locator('[data-testid="node-videoRestoration"]').waitFor();
    const after = await serverGraph(id);
    expect(after.nodes.map((n) => n.type).sort()).toEqual(['audio', 'pipeline', 'shot', 'videoRestoration']);
    expect(after.nodes.find((n) => n.type === 'shot')!.data.prompt).toBe('A lighthouse keeper lights the lamp at dusk');
    await page.close();
    await second.close();
  });
});
