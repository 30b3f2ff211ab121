// Extract motion in Chromium: a Motion Source node with an imported video shows which pipeline
// will run (the quality table's, or a wired Pipeline node's, marked unverified for a GPU one that
// never ran); Extract motion is one task at a time (disabled while queued or running, with
// progress and Cancel instead, enabled again when it is cancelled, fails or ends); the motion map
// it made is shown and passed on (real engine, worker process, ffmpeg, git; the CPU pipeline on
// the process backend). The engine starts with no worker, so a task stays queued until the test
// starts one: nothing here depends on catching a run in a short window.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnEngine, spawnWorker, type SpawnedEngine } from '@studio/engine/testing';
import { launchChromium } from './browser.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'motiontrain');
const SHOTS = process.env.MOTION_SHOTS_DIR ?? ARTIFACTS;
let home: string;
let engine: SpawnedEngine;
let worker: Awaited<ReturnType<typeof spawnWorker>> | null = null;
let browser: Browser;
let clip: Buffer;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-motion-e2e-'));
  const file = join(home, 'walk.mp4');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=960x540:r=24:d=20',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  clip = await readFile(file);
  engine = await spawnEngine({ env: { STUDIO_HOME: home, RUNNER_BACKEND: 'process', STUDIO_LOCAL_WORKER: '0' }, timeoutMs: 120_000 });
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
  await mkdir(SHOTS, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

/**
 * Everything a Motion Source node shows, recorded on every change by a MutationObserver installed
 * before the clicks: a state seen only briefly (a progress step) is kept, whenever the test reads.
 */
interface Seen {
  progress: boolean;
  step: string;
  value: number;
  extractDisabled: boolean;
  cancel: boolean;
}

async function watchNode(page: Page, nodeId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as { __seen: Record<string, Seen[]> };
    w.__seen ??= {};
    const log: Seen[] = (w.__seen[id] = []);
    const node = () => document.querySelector(`.svelte-flow__node[data-id="${id}"]`);
    const record = () => {
      const el = node();
      if (!el) return;
      const bar = el.querySelector('[data-testid="node-progress"]');
      const entry: Seen = {
        progress: bar !== null,
        step: bar?.querySelector('.step')?.textContent?.trim() ?? '',
        value: Number(bar?.querySelector('progress')?.getAttribute('value') ?? 0),
        extractDisabled: (el.querySelector('[data-testid="extract-motion"]') as HTMLButtonElement | null)?.disabled ?? true,
        cancel: el.querySelector('[data-testid="cancel"]') !== null,
      };
      const last = log[log.length - 1];
      if (!last || JSON.stringify(last) !== JSON.stringify(entry)) log.push(entry);
    };
    record();
    new MutationObserver(record).observe(node()!, { subtree: true, childList: true, characterData: true, attributes: true });
  }, nodeId);
}

const seen = (page: Page, nodeId: string) => page.evaluate((id) => (window as unknown as { __seen: Record<string, Seen[]> }).__seen[id] ?? [], nodeId);

/** The client:start_generation messages this page sent for a node, and the task messages it got (to say what happened when a check fails). */
function watchSocket(page: Page): { starts: (nodeId: string) => number; heard: (nodeId: string) => string[] } {
  const sent: string[] = [];
  const received: Array<{ node_id?: string; type: string }> = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      if (text.includes('"client:start_generation"')) sent.push((JSON.parse(text) as { node_id: string }).node_id);
    });
    ws.on('framereceived', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      if (/"server:(task|node|notice|error)/.test(text)) received.push(JSON.parse(text) as { node_id?: string; type: string });
    });
  });
  return {
    starts: (nodeId) => sent.filter((n) => n === nodeId).length,
    heard: (nodeId) => received.filter((m) => m.node_id === nodeId || m.type === 'server:error').map((m) => JSON.stringify(m)),
  };
}

const stateOf = (node: Locator) => node.getAttribute('data-state');

describe('Extract motion on a Motion Source node (Chromium)', () => {
  it('shows the pipeline it runs, runs one task at a time with progress, cancel and failure, then shows and passes on the motion map', async () => {
    const base = engine.baseUrl;
    const { id } = (await (
      await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Motion Walk' }) })
    ).json()) as { id: string };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'walk.mp4');
    const imported = (await (await fetch(`${base}/api/v1/projects/${id}/media`, { method: 'POST', body: form })).json()) as { path: string };
    const graph = {
      nodes: [
        { id: 'motion-1', type: 'motionSource', position: { x: 420, y: 40 }, data: { label: 'Walk cycle', source: imported.path } },
        { id: 'motion-2', type: 'motionSource', position: { x: 420, y: 520 }, data: { label: 'Walk depth', source: imported.path } },
        { id: 'pipe-1', type: 'pipeline', position: { x: 40, y: 560 }, data: { pipelineId: 'motion-depth-anything' } },
      ],
      edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'motion-2', targetHandle: 'pipeline' }],
    };
    const saved = await fetch(`${base}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph, version: 1 }),
    });
    expect(saved.status).toBe(200);

    const page = await browser.newPage({ viewport: { width: 1200, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const { starts, heard } = watchSocket(page);
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const walk = page.locator('.svelte-flow__node[data-id="motion-1"] [data-testid="node-motionSource"]');
    const depth = page.locator('.svelte-flow__node[data-id="motion-2"] [data-testid="node-motionSource"]');
    await walk.waitFor();
    // The source video plays in the node; no motion map yet.
    expect(await walk.locator('video').first().getAttribute('src')).toContain(imported.path);
    expect(await walk.getByTestId('motion-map').count()).toBe(0);

    // Which pipeline runs: the quality table's CPU one here, and the wired GPU one there, unverified,
    // with why no live worker can run it.
    await expect.poll(() => walk.getByTestId('motion-pipeline').getAttribute('data-pipeline'), { timeout: 20_000 }).toBe('motion-edges-ffmpeg');
    expect(await walk.getByTestId('motion-pipeline').getAttribute('data-source')).toBe('table');
    expect(await walk.getByTestId('motion-pipeline-unverified').count()).toBe(0);
    expect(await depth.getByTestId('motion-pipeline').getAttribute('data-pipeline')).toBe('motion-depth-anything');
    expect(await depth.getByTestId('motion-pipeline').getAttribute('data-source')).toBe('wired');
    expect(await depth.getByTestId('motion-pipeline').textContent()).toContain('from the Pipeline node');
    expect(await depth.getByTestId('motion-pipeline-unverified').textContent()).toBe('unverified');
    expect(await depth.getByTestId('motion-pipeline-problem').textContent()).toBe('Needs a GPU with 8 GB: no GPU worker is running');
    // The edges/difference Method belongs to the CPU pipeline: the depth node does not offer it.
    expect(await depth.getByTestId('motion-method').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'motion-wired-pipeline.png') });

    // The wired GPU pipeline no live worker can run: refused with the reason, and the button is back.
    await depth.getByTestId('extract-motion').click();
    // Under load the refusal can take a while (the request is built and dispatched first): a generous wait, and what the socket carried if it fails.
    await expect.poll(() => starts('motion-2'), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(
        () =>
          depth
            .locator('.node-error')
            .textContent({ timeout: 1000 })
            .catch(() => `no error shown; heard ${heard('motion-2').join(' ')}`),
        { timeout: 90_000 },
      )
      .toBe('No live worker can run this: motion-depth-anything needs 8 GB at standard quality and no GPU worker is running.');
    await expect.poll(() => depth.getByTestId('extract-motion').isEnabled()).toBe(true);

    await walk.getByTestId('motion-method').selectOption('difference');
    await expect
      .poll(async () => {
        const graphNow = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as {
          graph: { nodes: Array<{ id: string; data: { params?: { method?: string } } }> };
        };
        return graphNow.graph.nodes.find((n) => n.id === 'motion-1')!.data.params?.method;
      })
      .toBe('difference');

    // A double click sends one request; while the task is queued the button is disabled and Cancel shows.
    await watchNode(page, 'motion-1');
    await walk.getByTestId('extract-motion').dblclick();
    await expect.poll(() => stateOf(walk), { timeout: 30_000 }).toBe('queued');
    expect(await walk.getByTestId('node-progress').textContent()).toContain('Queued');
    expect(await walk.getByTestId('extract-motion').isDisabled()).toBe(true);
    expect(starts('motion-1')).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'motion-queued.png') });

    // Cancelled: enabled again, no progress.
    await walk.getByTestId('cancel').click();
    await expect.poll(() => stateOf(walk), { timeout: 30_000 }).toBe('cancelled');
    await expect.poll(() => walk.getByTestId('extract-motion').isEnabled()).toBe(true);
    expect(await walk.getByTestId('node-progress').count()).toBe(0);
    expect(await walk.getByTestId('cancel').count()).toBe(0);

    // Again, and a worker joins: ffmpeg's progress shows in the node, then the map.
    await walk.getByTestId('extract-motion').click();
    await expect.poll(() => stateOf(walk), { timeout: 30_000 }).toBe('queued');
    expect(starts('motion-1')).toBe(2);
    worker = await spawnWorker({
      STUDIO_HOME: home,
      REDIS_URL: `unix://${join(home, '.redis', 'redis.sock')}`,
      RUNNER_BACKEND: 'process',
      WORKER_VRAM_GB: '0',
      WORKER_NAME: 'motion-cpu',
    });
    const running = page.waitForFunction(
      () => (window as unknown as { __seen: Record<string, Seen[]> }).__seen['motion-1']!.some((s) => /differencing frames/.test(s.step)),
      undefined,
      { timeout: 120_000 },
    );
    await running;
    await page.screenshot({ path: join(SHOTS, 'motion-running.png') });
    const map = walk.getByTestId('motion-map');
    await map.waitFor({ timeout: 120_000 });
    const take = '03_Renders/MOTION/motion-1/MOTION-motion-1_v01_take01.mp4';
    expect(await map.locator('video').getAttribute('src')).toContain(take);
    await expect.poll(() => walk.getByTestId('extract-motion').isEnabled()).toBe(true);
    expect(await walk.getByTestId('node-progress').count()).toBe(0);
    expect(await walk.locator('[data-testid="takes"] [data-testid="take"][aria-pressed="true"]').getAttribute('data-path')).toBe(take);
    await page.screenshot({ path: join(SHOTS, 'motion-done.png') });

    const history = await seen(page, 'motion-1');
    const busy = history.filter((s) => s.progress);
    // ffmpeg's progress, not only "queued": a step from the pipeline with a value on the bar.
    expect(
      busy.some((s) => /differencing frames/.test(s.step) && s.value > 0),
      JSON.stringify(history),
    ).toBe(true);
    // Whenever the node showed progress, Extract motion was disabled and Cancel offered.
    expect(busy.length).toBeGreaterThan(0);
    expect(
      busy.filter((s) => !s.extractDisabled || !s.cancel),
      JSON.stringify(history),
    ).toEqual([]);
    expect(history[history.length - 1]).toMatchObject({ progress: false, extractDisabled: false, cancel: false });
    // One take: the cancelled task made none, the double click no second one.
    expect(await walk.locator('[data-testid="takes"] [data-testid="take"]').count()).toBe(1);

    const sidecar = JSON.parse(await readFile(join(home, 'Projects', id, take.replace(/\.mp4$/, '.json')), 'utf8'));
    expect(sidecar).toMatchObject({ pipeline: 'motion-edges-ffmpeg', params: { method: 'difference' }, inputs: { input: imported.path } });
    expect(errors).toEqual([]);
  }, 400_000);
});
