import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES } from '@studio/engine/testing';
import { studioSession } from './browser.ts';
import { connect, moveNode } from './canvas-actions.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' })), 120_000);
afterAll(() => session?.close());

type GraphNode = { id: string; type: string; parentId?: string; position: { x: number; y: number }; data: Record<string, unknown> };
async function nodes(id: string): Promise<GraphNode[]> {
  const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`);
  return ((await res.json()) as { graph: { nodes: GraphNode[] } }).graph.nodes;
}
async function newProject(name: string): Promise<string> {
  const res = await fetch(`${session.engine.baseUrl}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  return ((await res.json()) as { id: string }).id;
}
async function openCanvas(id: string): Promise<Page> {
  const page = await session.browser.newPage({ viewport: { width: 1500, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${session.engine.baseUrl}/projects/${id}`);
  await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  return page;
}
/** Drags a node by its header into the middle of another node. */
async function dropInto(page: Page, node: string, target: string) {
  const from = (await page.locator(`${node} header`).first().boundingBox())!;
  const to = (await page.locator(target).boundingBox())!;
  await page.mouse.move(from.x + 30, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + 80, to.y + 90, { steps: 12 });
  await page.mouse.up();
}

describe('a canvas that organises the film (Chromium)', () => {
  it('names scene groups after the next free scene; a shot dropped into SCENE_02 becomes SCENE_02, its group grows, and its next take lands there', async () => {
    const id = await newProject('Scenes that organise');
    const page = await openCanvas(id);
    const groups = page.locator('[data-testid="node-sceneGroup"]');

    await page.getByTestId('palette-sceneGroup').click();
    await groups.first().waitFor();
    await moveNode(page, '[data-testid="node-sceneGroup"]', -500, -250);
    await page.getByTestId('palette-sceneGroup').click();
    await expect.poll(() => groups.count()).toBe(2);
    await expect
      .poll(async () => (await nodes(id)).filter((n) => n.type === 'sceneGroup').map((n) => n.data.scene), { timeout: 20_000 })
      .toEqual(['SCENE_01', 'SCENE_02']);
    const scene2 = (await nodes(id)).find((n) => n.data.scene === 'SCENE_02')!;
    const group2 = `[data-id="${scene2.id}"]`;
    await moveNode(page, group2, 350, 150);

    // A shot and its pipeline, wired, with the shot dropped into SCENE_02's group.
    await page.getByTestId('palette-shot').click();
    const shot = '[data-testid="node-shot"]';
    await page.locator(shot).waitFor();
    await page.locator(`${shot} header`).first().click();
    await page.getByTestId('palette-pipeline').click();
    const pipeline = '[data-testid="node-pipeline"]';
    await page.locator(pipeline).waitFor();
    // The pipeline lands to the left of the selected shot, not on top of it.
    const placed = await nodes(id);
    const shotNode = placed.find((n) => n.type === 'shot')!;
    const pipeNode = placed.find((n) => n.type === 'pipeline')!;
    expect(pipeNode.position.x).toBeLessThan(shotNode.position.x - 280);
    await page.locator(pipeline).getByTestId('pipeline-select').selectOption('draft-image');
    await connect(page, pipeline, 'pipeline', shot, 'pipeline');
    await page.locator('.svelte-flow__edge').first().waitFor({ state: 'attached' });
    await dropInto(page, shot, group2);
    await expect.poll(async () => (await nodes(id)).find((n) => n.type === 'shot')?.data.scene, { timeout: 20_000 }).toBe('SCENE_02');
    const after = await nodes(id);
    expect(after.find((n) => n.type === 'shot')!.parentId).toBe(scene2.id);
    const grown = after.find((n) => n.id === scene2.id)! as GraphNode & { width?: number; height?: number };
    expect((grown.width ?? 0) * (grown.height ?? 0)).toBeGreaterThanOrEqual(640 * 360);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-shot-in-scene-02.png` });

    await page.getByRole('button', { name: 'Fit view' }).click();
    await page.locator(shot).getByTestId('shot-prompt').fill('The keeper climbs the stairs');
    await page.locator(shot).getByTestId('shot-prompt').blur();
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-before-generate.png` });
    await page.locator(shot).getByTestId('generate').click();
    try {
      await expect
        .poll(async () => String((await nodes(id)).find((n) => n.type === 'shot')?.data.activeTake ?? ''), { timeout: 60_000 })
        .toMatch(/^03_Renders\/SCENE_02\/SHOT_010\//);
    } finally {
      await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-after-generate.png` });
    }
    // Sockets have accessible names, not "Handle".
    expect(await page.getByLabel('Input Pipeline (PipelineReference)').count()).toBeGreaterThanOrEqual(1);
    // Zoomed out, the shot shows its take: a storyboard.
    const thumb = page.getByTestId('storyboard-thumb');
    for (let i = 0; i < 10 && !(await thumb.count()); i++) {
      await page.getByRole('button', { name: 'Zoom Out' }).click();
      await page.waitForTimeout(150);
    }
    await thumb.first().waitFor();
    await expect.poll(() => thumb.first().evaluate((img) => (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-storyboard.png` });

    // Renaming a scene renames its shots with it; a name another group has is refused.
    await page.getByRole('button', { name: 'Fit view' }).click();
    for (let i = 0; i < 6 && !(await page.locator(group2).getByTestId('scene-name').isVisible()); i++) {
      await page.getByRole('button', { name: 'Zoom In' }).click();
      await page.waitForTimeout(150);
    }
    const sceneName = page.locator(group2).getByTestId('scene-name');
    await sceneName.fill('SCENE_01');
    await sceneName.press('Enter');
    await expect.poll(() => sceneName.inputValue()).toBe('SCENE_02');
    await sceneName.fill('SCENE_05');
    await sceneName.press('Enter');
    await expect
      .poll(async () => (await nodes(id)).filter((n) => n.type !== 'pipeline').map((n) => [n.type, n.data.scene]), { timeout: 20_000 })
      .toEqual([
        ['sceneGroup', 'SCENE_01'],
        ['sceneGroup', 'SCENE_05'],
        ['shot', 'SCENE_05'],
      ]);
    await page.close();
  }, 180_000);

  it('filters the palette, opens the shortcut sheet with ?, keeps errors until dismissed, and answers unknown pages with a way back', async () => {
    const id = await newProject('Palette and notices');
    const page = await openCanvas(id);

    await page.getByTestId('palette-search').fill('assem');
    await expect.poll(() => page.locator('[data-testid^="palette-"]:is(button)').count()).toBe(1);
    await page.getByTestId('palette-search').press('Enter');
    await page.locator('[data-testid="node-vseAssembler"]').waitFor();
    await page.getByTestId('palette-search').fill('zzzz');
    await page.getByTestId('palette-none').waitFor();
    await page.getByTestId('palette-search').press('Escape');
    await page.getByTestId('palette-shot').waitFor();

    await page.locator('.svelte-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('?');
    await page.getByTestId('shortcut-sheet').waitFor();
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-shortcut-sheet.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('shortcut-sheet').count()).toBe(0);

    // A failing generation: its error stays (past the fade of other notices) until dismissed.
    await page.getByTestId('palette-search').fill('');
    await page.getByTestId('palette-shot').click();
    await page.locator('[data-testid="node-shot"] header').first().click();
    await page.getByTestId('palette-pipeline').click();
    // Placed beside the shot, below the assembler it would have covered: fit the view to reach it.
    await page.getByRole('button', { name: 'Fit view' }).click();
    await page.locator('[data-testid="node-pipeline"]').getByTestId('pipeline-select').selectOption('test-fail');
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-before-connect.png` });
    await connect(page, '[data-testid="node-pipeline"]', 'pipeline', '[data-testid="node-shot"]', 'pipeline');
    await page.locator('.svelte-flow__edge').first().waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Fit view' }).click();
    await page.locator('[data-testid="node-shot"]').getByTestId('generate').click();
    const error = page.locator('[data-testid="notice"][data-level="error"]');
    await error.waitFor({ timeout: 60_000 });
    await page.waitForTimeout(7000);
    expect(await error.count()).toBe(1);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-error-notice.png` });
    await error.getByTestId('notice-dismiss').click();
    await expect.poll(() => error.count()).toBe(0);

    // A clicked node comes to the front.
    const zOf = (sel: string) => page.locator(sel).evaluate((el) => Number(getComputedStyle(el.closest('.svelte-flow__node')!).zIndex) || 0);
    await page.locator('[data-testid="node-vseAssembler"] header').click();
    const assemblerZ = await zOf('[data-testid="node-vseAssembler"]');
    expect(assemblerZ).toBeGreaterThan(await zOf('[data-testid="node-pipeline"]'));
    await page.locator('[data-testid="node-pipeline"] header').click();
    expect(await zOf('[data-testid="node-pipeline"]')).toBeGreaterThan(assemblerZ);

    // Tab walks the nodes in reading order, panning each into view (only nodes in view are rendered).
    await page.locator('.svelte-flow__node').first().focus();
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('svelte-flow__node') ?? false)).toBe(true);
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const box = el.getBoundingClientRect();
        const pane = document.querySelector('.svelte-flow')!.getBoundingClientRect();
        const cx = box.left + Math.min(box.width, 200) / 2;
        const cy = box.top + Math.min(box.height, 200) / 2;
        return { id: el.dataset.id!, inView: cx > pane.left && cx < pane.right && cy > pane.top && cy < pane.bottom };
      });
      expect(focused.inView).toBe(true);
      seen.add(focused.id);
    }
    expect(seen.size).toBe(3);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-tab-to-node.png` });

    await page.goto(`${session.engine.baseUrl}/no/such/page`);
    await page.getByTestId('error-page').waitFor();
    expect(await page.getByTestId('error-page').textContent()).toContain('404');
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/organise-not-found.png` });
    await page.getByTestId('error-home').click();
    await page.waitForURL(`${session.engine.baseUrl}/`);
    await page.close();
  }, 180_000);
});
