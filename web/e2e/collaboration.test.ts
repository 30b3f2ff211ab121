import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession()), 120_000);
afterAll(() => session?.close());

async function prompt(id: string): Promise<string> {
  const res = await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`);
  const body = (await res.json()) as { graph: { nodes: Array<{ type: string; data: { prompt?: string } }> } };
  return body.graph.nodes.find((n) => n.type === 'shot')?.data.prompt ?? '';
}

describe('two people in one project (Chromium)', () => {
  it('see each other, and typing into one prompt at once converges to one of the two texts, never a splice', async () => {
    const base = session.engine.baseUrl;
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const { id } = (await post('/api/v1/projects', { name: 'Two Hands' })) as { id: string };
    await post(
      `/api/v1/projects/${id}`,
      {
        graph: { nodes: [{ id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: '' } }], edges: [] },
        version: 1,
      },
      'PUT',
    );
    const open = async (): Promise<Page> => {
      const context = await session.browser.newContext({ viewport: { width: 1300, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${base}/projects/${id}`);
      await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
      return page;
    };
    const a = await open();
    const b = await open();
    // Each sees the other.
    await a.getByTestId('presence').waitFor();
    await b.getByTestId('presence').waitFor();
    expect(await a.getByTestId('presence').textContent()).toContain('Local user is here too');

    const field = (p: Page) => p.locator('[data-testid="node-shot"]').getByTestId('shot-prompt');
    // Both start typing before either has seen the other's text.
    await field(a).click();
    await field(b).click();
    await field(a).pressSequentially('low angle on the pier', { delay: 15 });
    await field(b).pressSequentially('golden hour', { delay: 15 });
    // The one still typing is told what changed elsewhere, and nothing is spliced into its text.
    await expect.poll(async () => (await a.getByTestId('shot-prompt-theirs').count()) + (await b.getByTestId('shot-prompt-theirs').count())).toBeGreaterThan(0);
    await a.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/collaboration-changed-elsewhere-a.png` });
    await b.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/collaboration-changed-elsewhere-b.png` });
    await a.locator('header h1').click();
    await b.locator('header h1').click();

    const texts = ['low angle on the pier', 'golden hour'];
    await expect.poll(async () => texts.includes(await prompt(id))).toBe(true);
    const saved = await prompt(id);
    await expect.poll(() => field(a).inputValue()).toBe(saved);
    await expect.poll(() => field(b).inputValue()).toBe(saved);
    await a.screenshot({ path: `${process.cwd()}/test-artifacts/e2e/collaboration-converged.png` });

    // One leaves: the other sees it.
    await b.context().close();
    await expect.poll(() => a.getByTestId('presence').count()).toBe(0);
    await a.context().close();
  }, 120_000);
});
