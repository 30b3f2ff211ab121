import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES, projectWithShot } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
let ratesDir: string;
beforeAll(async () => {
  // CPU-seconds priced high, so a quick test-noop run costs whole credits.
  ratesDir = await mkdtemp(join(tmpdir(), 'studio-e2e-rates-'));
  await writeFile(join(ratesDir, 'rates.json'), JSON.stringify({ format: 1, cpu_second: 100 }));
  session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', STUDIO_RATES: join(ratesDir, 'rates.json') });
}, 180_000);
afterAll(async () => {
  await session?.close();
  await rm(ratesDir, { recursive: true, force: true });
});

const panel = (page: Page) => page.getByTestId('ledger-panel');
async function setBudget(page: Page, credits: number) {
  await page.getByTestId('ledger-budget').fill(String(credits));
  await page.getByTestId('ledger-budget-save').click();
  await expect
    .poll(() => page.getByTestId('ledger-toggle').textContent(), { timeout: 10_000 })
    .toMatch(new RegExp(`/ ${credits.toLocaleString('en-US', { maximumFractionDigits: 2 })}\\s*$`));
}
const spentOf = async (page: Page) => Number(((await page.getByTestId('ledger-summary').locator('strong').first().textContent()) ?? '').replace(/,/g, ''));

describe('the Costs panel (Chromium)', () => {
  it('sets a budget, shows the spend of a generation with its chart and scene bar, and shows the refusal with what is left when the budget is hit', async () => {
    const base = session.engine.baseUrl;
    const id = await projectWithShot(base, { name: 'Costs', pipelineId: 'test-noop' });
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.getByTestId('ledger-toggle').click();
    await panel(page).waitFor();
    await expect(page.getByTestId('ledger-summary').textContent()).resolves.toContain('no budget');
    await setBudget(page, 100000);
    expect((await (await fetch(`${base}/api/v1/projects/${id}`)).json()).budget).toBe(100000);

    // Generate: the spend, the bar, the chart and the scene's bar appear.
    const shot = page.locator('[data-testid="node-shot"]');
    await shot.getByTestId('generate').click();
    await expect.poll(() => spentOf(page), { timeout: 30_000 }).toBeGreaterThan(0);
    const spent = await spentOf(page);
    const ledger = (await (await fetch(`${base}/api/v1/projects/${id}/ledger`)).json()) as { totals: { spent: number } };
    expect(spent).toBeCloseTo(ledger.totals.spent, 2);
    await page.getByTestId('ledger-chart').waitFor();
    expect(await page.getByTestId('ledger-chart').locator('path').getAttribute('d')).toMatch(/^M0,[\d.]+ H300 V[\d.]+$/);
    await expect(page.getByTestId('ledger-scenes').textContent()).resolves.toContain('SCENE_01');
    await page.getByTestId('ledger-toggle').click();
    await page.getByTestId('ledger-toggle').click();
    await session.screenshot(page, 'ledger-costs-panel');

    // A budget that one more run cannot fit in: the next generation is refused, saying what is left.
    const budget = Math.round(spent * 1.5 * 100) / 100;
    await setBudget(page, budget);
    await shot.getByTestId('generate').click();
    const notice = page.getByTestId('notice').filter({ hasText: 'Over the project budget' });
    await notice.waitFor({ timeout: 20_000 });
    const text = (await notice.textContent()) ?? '';
    const left = Math.round((budget - spent) * 100) / 100;
    expect(text).toContain(
      `${left.toLocaleString('en-US', { maximumFractionDigits: 2 })} of ${budget.toLocaleString('en-US', { maximumFractionDigits: 2 })} are left`,
    );
    await session.screenshot(page, 'ledger-budget-refused');
    // Nothing was charged for the refusal.
    const after = (await (await fetch(`${base}/api/v1/projects/${id}/ledger`)).json()) as { entries: unknown[] };
    expect(after.entries).toHaveLength(1);
    await page.close();
  }, 300_000);
});
