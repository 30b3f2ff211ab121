import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()));
afterAll(() => session?.close());

describe('dashboard (Chromium)', () => {
  it('creates a project from the New Project dialog and opens its canvas', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(session.engine.baseUrl);
    await page.getByText('No projects yet.').waitFor();
    await page.getByRole('button', { name: 'New Project' }).click();
    await page.getByLabel('Title').fill('Harbour Lights');
    await page.getByLabel('Description').fill('A night shoot at the docks');
    await page.getByLabel('Quality').selectOption('high');
    await page.getByLabel('Aspect ratio').selectOption('2.39:1');
    await session.screenshot(page, 'dashboard-new-project');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL('**/projects/harbour-lights');

    const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/harbour-lights`);
    expect(await res.json()).toMatchObject({
      title: 'Harbour Lights',
      description: 'A night shoot at the docks',
      project_settings: { quality: 'high', aspect_ratio: '2.39:1' },
    });

    await page.goto(session.engine.baseUrl);
    const card = page.locator('[data-project-id="harbour-lights"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('A night shoot at the docks');
    await session.screenshot(page, 'dashboard-list');
    await page.close();
  });
});
