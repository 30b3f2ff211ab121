import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ARTIFACTS_DIR, studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()));
afterAll(() => session?.close());

const api = (path: string, init?: RequestInit) => fetch(`${session.engine.baseUrl}${path}`, init).then((r) => r.json());
const shot = (id: string, prompt: string) => ({ id, type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt } });

/** Set-up through the API (not what is under test): a project whose canvas holds one shot. */
async function projectWithOneShot(name: string): Promise<string> {
  const { id } = (await api('/api/v1/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })) as {
    id: string;
  };
  const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph: { nodes: [shot('first', 'first light over the harbour')], edges: [] }, version: 1 }),
  });
  expect(res.status).toBe(200);
  return id;
}

async function openPage(path: string): Promise<Page> {
  const page = await session.browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${session.engine.baseUrl}${path}`);
  return page;
}

const focusedName = (page: Page) => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? document.activeElement?.tagName);

describe('fork and history (Chromium)', () => {
  it('forks a project from the dashboard: the dialog takes focus and closes on Escape, and the fork shows its badge and parent', async () => {
    const parent = await projectWithOneShot('Harbour');
    const page = await openPage('/');
    await page.locator(`a.card[data-project-id="${parent}"]`).waitFor();

    await page.getByRole('button', { name: 'Fork Harbour' }).click();
    const dialog = page.getByRole('dialog', { name: 'Fork project' });
    await dialog.waitFor();
    expect(await focusedName(page)).toBe('fork-name');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Fork Harbour' }).click();
    await page.getByLabel('Name of the fork').fill('Harbour B-side');
    await session.screenshot(page, 'history-fork-dialog');
    await page.getByRole('button', { name: 'Fork', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    const badge = page.locator('li', { has: page.locator('a.card h2', { hasText: 'Harbour B-side' }) }).locator('.fork-badge');
    await badge.waitFor();
    expect((await badge.textContent())!.replace(/\s+/g, ' ').trim()).toBe('Fork of Harbour');
    expect(await badge.getAttribute('href')).toBe(`/projects/${parent}`);
    await session.screenshot(page, 'history-fork-badge');

    // What the engine made, and the badge again after a reload (from the project list).
    const listed = (await api('/api/v1/projects')) as Array<{ id: string; title: string; forked_from?: { project: string; commit: string } }>;
    const fork = listed.find((p) => p.title === 'Harbour B-side')!;
    expect(fork.forked_from?.project).toBe(parent);
    await page.reload();
    await page.locator(`li:has(a.card[data-project-id="${fork.id}"]) .fork-badge`).waitFor();
    await page.locator(`li:has(a.card[data-project-id="${fork.id}"]) .fork-badge`).click();
    await page.waitForURL(`**/projects/${parent}`);
    await page.close();
  });

  it('shows an edit in History with who and what, restores an earlier canvas (the canvas changes back), and forks from an older commit', async () => {
    const id = await projectWithOneShot('Lighthouse');
    const page = await openPage(`/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const shots = page.locator('[data-testid="node-shot"]');
    await shots.first().waitFor();
    expect(await shots.count()).toBe(1);

    // The user's own edit: a second shot from the palette.
    await page.getByTestId('palette-shot').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="node-shot"]').length === 2);

    await page.getByTestId('history-toggle').click();
    const panel = page.getByRole('dialog', { name: 'History' });
    await panel.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('History');
    const entries = panel.locator('ol > li');
    await page.waitForFunction(() => document.querySelector('[aria-label="History"] ol > li summary')?.textContent?.includes('+1'));
    const newest = entries.first();
    // Who: the actor the engine recorded for that commit (its name), or the git author.
    const [recorded] = (await api(`/api/v1/projects/${id}/history?limit=1`)) as Array<{ hash: string; actor: { name: string } | null; author: string }>;
    expect(await newest.getAttribute('data-commit')).toBe(recorded!.hash);
    expect(await newest.locator('.who').innerText()).toBe(recorded!.actor?.name ?? recorded!.author);
    expect(await newest.locator('time').innerText()).toMatch(/just now|minute/);
    await newest.locator('summary').click();
    expect(await newest.locator('details li').first().innerText()).toMatch(/^\+ .*\(shot\)$/);
    await session.screenshot(page, 'history-panel');

    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await page.getByTestId('history-toggle').click();
    await panel.waitFor();

    // The commit of the one-shot canvas: restore it.
    const oneShot = entries.filter({ hasText: 'Save canvas: 1 node' });
    await oneShot.getByRole('button', { name: 'Restore this canvas' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore this canvas?' });
    await confirm.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Restore');
    await session.screenshot(page, 'history-restore-confirm');
    await confirm.getByRole('button', { name: 'Restore' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="node-shot"]').length === 1);
    await page.waitForFunction(() => document.querySelector('[aria-label="History"] ol > li .what')?.textContent?.startsWith('Restore canvas from'));
    expect(await entries.first().locator('summary').innerText()).toContain('−1');
    await session.screenshot(page, 'history-restored');
    const graph = ((await api(`/api/v1/projects/${id}`)) as { graph: { nodes: Array<{ id: string }> } }).graph;
    expect(graph.nodes.map((n) => n.id)).toEqual(['first']);

    // Fork from an older commit: the new project opens, with the canvas of that commit.
    await entries.filter({ hasText: 'Create project' }).getByRole('button', { name: 'Fork from here' }).click();
    await page.getByLabel('Name of the fork').fill('Lighthouse at the start');
    await page.getByRole('button', { name: 'Fork', exact: true }).click();
    await page.waitForURL('**/projects/lighthouse-at-the-start');
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    expect(await page.getByTestId('project-title').innerText()).toBe('Lighthouse at the start');
    expect(await page.locator('[data-testid="node-shot"]').count()).toBe(0);
    await page.close();
  });

  it('pages a long history with Older…', async () => {
    const id = await projectWithOneShot('Long reel');
    // Set-up: 33 more commits (settings saves), so the history holds more than one page of 30.
    for (let i = 1; i <= 33; i++) {
      const { version } = (await api(`/api/v1/projects/${id}`)) as { version: number };
      const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: `take ${i}`, version }),
      });
      expect(res.status).toBe(200);
    }
    const page = await openPage(`/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByTestId('history-toggle').click();
    const entries = page.getByRole('dialog', { name: 'History' }).locator('ol > li');
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="History"] ol > li').length === 30);
    await page.getByRole('button', { name: 'Older…' }).click();
    // 33 saves, the one-shot canvas and the creation: 35 in all, and no more pages.
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="History"] ol > li').length === 35);
    expect(await page.getByRole('button', { name: 'Older…' }).count()).toBe(0);
    expect(await entries.last().locator('.what').innerText()).toBe('Create project: Long reel');
    // A canvas change while the panel is open refreshes it, keeping the older page it has loaded.
    const project = (await api(`/api/v1/projects/${id}`)) as { version: number; graph: { nodes: Array<{ position: { x: number } }> } };
    project.graph.nodes[0]!.position.x += 40;
    const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph: project.graph, version: project.version }),
    });
    expect(res.status).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="History"] ol > li').length === 36, undefined, { timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Older…' }).count()).toBe(0);
    expect(await entries.last().locator('.what').innerText()).toBe('Create project: Long reel');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'history-refreshed-after-older.png') });
    await page.close();
  });
});
