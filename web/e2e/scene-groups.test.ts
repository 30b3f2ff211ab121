import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()));
afterAll(() => session?.close());

async function graph(id: string) {
  const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`);
  return (await res.json()) as {
    title: string;
    description: string;
    project_settings: { quality: string; aspect_ratio: string; hardware_policy: string };
    graph: { nodes: Array<{ id: string; type: string; parentId?: string; data: Record<string, unknown> }> };
  };
}

describe('scene groups and settings (Chromium)', () => {
  it('drops a shot into a scene group, collapses and expands it, and changes project settings from the header', async () => {
    const { id } = (await (
      await fetch(`${session.engine.baseUrl}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Scenes"}' })
    ).json()) as { id: string };
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${session.engine.baseUrl}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();

    await page.getByTestId('palette-sceneGroup').click();
    const group = page.locator('[data-testid="node-sceneGroup"]');
    await group.waitFor();
    // Move the group away, then add a shot and drop it inside the group.
    const gBox = (await group.locator('header').boundingBox())!;
    await page.mouse.move(gBox.x + 30, gBox.y + gBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(gBox.x - 250, gBox.y - 150, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('palette-shot').click();
    const shot = page.locator('[data-testid="node-shot"]');
    await shot.waitFor();
    await page.waitForTimeout(300);
    const groupBox = (await group.boundingBox())!;
    const sBox = (await shot.locator('header').boundingBox())!;
    await page.mouse.move(sBox.x + 30, sBox.y + sBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(groupBox.x + 300, groupBox.y + 160, { steps: 10 });
    await page.mouse.up();
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/scene-group-drop.png` });
    await expect
      .poll(async () => (await graph(id)).graph.nodes.find((n) => n.type === 'shot')?.parentId, { timeout: 20_000 })
      .toBe((await graph(id)).graph.nodes.find((n) => n.type === 'sceneGroup')!.id);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/scene-group-with-shot.png` });

    await group.getByTestId('collapse').click();
    await expect.poll(() => shot.isVisible(), { timeout: 20_000 }).toBe(false);
    await expect.poll(async () => (await graph(id)).graph.nodes.find((n) => n.type === 'sceneGroup')!.data.collapsed, { timeout: 20_000 }).toBe(true);
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/scene-group-collapsed.png` });
    await group.getByTestId('collapse').click();
    await expect.poll(() => shot.isVisible(), { timeout: 20_000 }).toBe(true);

    await page.getByTestId('settings-toggle').click();
    await page.getByTestId('settings-quality').selectOption('high');
    await expect.poll(async () => (await graph(id)).project_settings.quality, { timeout: 20_000 }).toBe('high');
    await page.getByTestId('settings-aspect').selectOption('9:16');
    await page.getByTestId('settings-title').fill('Scenes, recut');
    await page.getByTestId('settings-title').press('Enter');
    await expect.poll(async () => (await graph(id)).title, { timeout: 20_000 }).toBe('Scenes, recut');
    expect((await graph(id)).project_settings.aspect_ratio).toBe('9:16');
    await expect.poll(() => page.getByTestId('project-title').textContent(), { timeout: 20_000 }).toBe('Scenes, recut');
    // The description and the hardware policy are edited there too.
    await page.getByTestId('settings-hardware-policy').selectOption('fallback');
    await expect.poll(async () => (await graph(id)).project_settings.hardware_policy, { timeout: 20_000 }).toBe('fallback');
    await page.getByTestId('settings-description').fill('The harbour at dawn, then the storm.');
    await page.getByTestId('settings-description').blur();
    await expect.poll(async () => (await graph(id)).description, { timeout: 20_000 }).toBe('The harbour at dawn, then the storm.');
    await page.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/settings-description-policy.png` });
    await page.close();
  });
});
