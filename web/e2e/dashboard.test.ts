import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, createProject, workspaceAt } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()));
afterAll(() => session?.close());

describe('dashboard (Chromium)', () => {
  it('shows the first screen of a large studio at once and the rest as the list is scrolled', async () => {
    const workspace = workspaceAt(session.home);
    const made: string[] = [];
    for (let i = 0; i < 66; i += 6) {
      const batch = await Promise.all(
        Array.from({ length: 6 }, (_, k) =>
          createProject({
            workspace,
            templatesDir: join(REPO_ROOT, 'templates'),
            request: { name: `Reel ${String(i + k).padStart(2, '0')}`, description: 'archive' },
          }),
        ),
      );
      made.push(...batch.map((p) => p.id));
    }
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(session.engine.baseUrl);
    const cards = page.locator('a.card[data-project-id]');
    await page.getByText(/^48 of 66 projects$/).waitFor();
    expect(await cards.count()).toBe(48);
    await session.screenshot(page, 'dashboard-first-page');
    await page.locator('.more').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('a.card[data-project-id]').length === 66);
    expect(await page.locator('.more').count()).toBe(0);
    const shown = await cards.evaluateAll((els) => els.map((el) => el.getAttribute('data-project-id')));
    expect(new Set(shown)).toEqual(new Set(made));
    await page.close();
    await Promise.all(made.map((id) => rm(join(workspace.projectsDir, id), { recursive: true, force: true })));
  });

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
