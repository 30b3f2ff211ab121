import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { median, round, type BenchResult } from '../../engine/bench/bench-result.ts';
import { spawnEngine } from '../../engine/src/testing/spawn-engine.ts';
import { launchChromium } from '../e2e/browser.ts';

const N = 1000;
const TYPES = ['shot', 'shot', 'shot', 'pipeline', 'audio', 'superResolution', 'videoRestoration', 'asset', 'motionSource', 'vseAssembler'];

/** A realistic 1,000-node project: shots with their pipelines and post chains, in a grid. */
function bigGraph() {
  const columns = Math.ceil(Math.sqrt(N));
  const nodes = Array.from({ length: N }, (_, i) => {
    const type = TYPES[i % TYPES.length]!;
    const data: Record<string, unknown> =
      type === 'shot'
        ? { scene: `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`, shot: `SHOT_${String(10 + (i % 100) * 10).padStart(3, '0')}`, prompt: `Shot ${i}: the keeper climbs the stairs` }
        : type === 'pipeline'
          ? { pipelineId: 'draft-image' }
          : {};
    return { id: `n${i}`, type, position: { x: (i % columns) * 320, y: Math.floor(i / columns) * 420 }, data };
  });
  const edges = [];
  for (let i = 0; i + 3 < N; i += TYPES.length) edges.push({ id: `e${i}`, source: `n${i + 3}`, sourceHandle: 'pipeline', target: `n${i}`, targetHandle: 'pipeline' });
  return { nodes, edges };
}

/** ms from navigation start until `count` nodes are rendered and measured (visible). */
async function timeToAllRendered(page: Page, url: string, count: number): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    (n) => {
      const nodes = document.querySelectorAll('.svelte-flow__node');
      if (nodes.length < n) return false;
      for (const el of nodes) if ((el as HTMLElement).style.visibility === 'hidden') return false;
      return performance.now();
    },
    count,
    { polling: 'raf', timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** Median ms from a pan input (mouse move with the button down on the pane) to the frame after it is painted. */
async function panStep(page: Page): Promise<number> {
  const pane = (await page.locator('.svelte-flow__pane').boundingBox())!;
  const x = pane.x + pane.width / 2;
  const y = pane.y + pane.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  const samples: number[] = [];
  for (let i = 1; i <= 30; i++) {
    await page.evaluate(() => {
      const w = window as unknown as { __input: number };
      window.addEventListener('pointermove', (e) => (w.__input = e.timeStamp), { once: true, capture: true });
    });
    await page.mouse.move(x + i * 6, y + i * 3);
    samples.push(
      await page.evaluate(
        () =>
          new Promise<number>((resolve) =>
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - (window as unknown as { __input: number }).__input))),
          ),
      ),
    );
  }
  await page.mouse.up();
  return median(samples.slice(5));
}

/**
 * Chromium: our canvas with 1,000 real node components against a bare Svelte Flow page with
 * 1,000 default nodes, in the same run.
 */
export async function benchCanvas(): Promise<BenchResult[]> {
  const home = await mkdtemp(join(tmpdir(), 'studio-bench-canvas-'));
  const engine = await spawnEngine({ env: { STUDIO_HOME: home } });
  const browser = await launchChromium();
  try {
    const { id } = (await (
      await fetch(`${engine.baseUrl}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Thousand nodes"}' })
    ).json()) as { id: string };
    const put = await fetch(`${engine.baseUrl}/api/v1/projects/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph: bigGraph(), version: 1 }) });
    if (!put.ok) throw new Error(`cannot save the bench graph: ${await put.text()}`);

    const bareRender: number[] = [];
    const oursRender: number[] = [];
    const barePan: number[] = [];
    const oursPan: number[] = [];
    for (let round_ = 0; round_ < 3; round_++) {
      for (const [url, render, pan] of [
        [`${engine.baseUrl}/bench/bare-flow?n=${N}`, bareRender, barePan],
        [`${engine.baseUrl}/projects/${id}`, oursRender, oursPan],
      ] as const) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
        render.push(await timeToAllRendered(page, url, N));
        await page.waitForTimeout(300);
        pan.push(await panStep(page));
        await page.close();
      }
    }
    const bareMs = median(bareRender);
    const oursMs = median(oursRender);
    const barePanMs = median(barePan);
    const oursPanMs = median(oursPan);
    return [
      { bench: 'canvas', metric: 'bare_svelte_flow_1000_nodes_render', value: round(bareMs), unit: 'ms', target: 'baseline' },
      { bench: 'canvas', metric: 'studio_canvas_1000_nodes_render', value: round(oursMs), unit: 'ms', target: '<= 1.5x bare' },
      { bench: 'canvas', metric: 'studio_vs_bare_render', value: round(oursMs / bareMs), unit: 'ratio', target: '<= 1.5' },
      { bench: 'canvas', metric: 'bare_svelte_flow_1000_nodes_pan_step', value: round(barePanMs), unit: 'ms', target: 'baseline' },
      { bench: 'canvas', metric: 'studio_canvas_1000_nodes_pan_step', value: round(oursPanMs), unit: 'ms', target: '<= bare' },
      { bench: 'canvas', metric: 'studio_vs_bare_pan_step', value: round(oursPanMs / barePanMs), unit: 'ratio', target: '<= 1.0' },
    ];
  } finally {
    await browser.close();
    await engine.stop();
    await rm(home, { recursive: true, force: true });
  }
}
