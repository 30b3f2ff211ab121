// Extract motion in Chromium: a Motion Source node with an imported video, its Method, the
// Extract motion button and the progress in the node, then the motion map it made shown and
// passed on (real engine, ffmpeg, git; the CPU pipeline on the process backend).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnEngine, type SpawnedEngine } from '@studio/engine/testing';
import { launchChromium } from './browser.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'motiontrain');
let home: string;
let engine: SpawnedEngine;
let browser: Browser;
let clip: Buffer;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-motion-e2e-'));
  // Long enough (and big enough) that the node shows its progress for a while.
  const file = join(home, 'walk.mp4');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=960x540:r=24:d=40',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  clip = await readFile(file);
  engine = await spawnEngine({ env: { STUDIO_HOME: home, RUNNER_BACKEND: 'process' }, timeoutMs: 120_000 });
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('Extract motion on a Motion Source node (Chromium)', () => {
  it('shows the method, runs Extract motion with progress in the node, then shows and passes on the motion map', async () => {
    const base = engine.baseUrl;
    const { id } = (await (
      await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Motion Walk' }) })
    ).json()) as { id: string };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'walk.mp4');
    const imported = (await (await fetch(`${base}/api/v1/projects/${id}/media`, { method: 'POST', body: form })).json()) as { path: string };
    const graph = {
      nodes: [{ id: 'motion-1', type: 'motionSource', position: { x: 80, y: 60 }, data: { label: 'Walk cycle', source: imported.path } }],
      edges: [],
    };
    expect(
      (
        await fetch(`${base}/api/v1/projects/${id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ graph, version: 1 }),
        })
      ).status,
    ).toBe(200);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const node = page.locator('[data-testid="node-motionSource"]');
    await node.waitFor();
    // The source video plays in the node; no motion map yet.
    expect(await node.locator('video').first().getAttribute('src')).toContain(imported.path);
    expect(await node.getByTestId('motion-map').count()).toBe(0);
    await node.getByTestId('motion-method').selectOption('difference');
    await expect
      .poll(async () => {
        const saved = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as { graph: { nodes: Array<{ data: { params?: { method?: string } } }> } };
        return saved.graph.nodes[0]!.data.params?.method;
      })
      .toBe('difference');

    await node.getByTestId('extract-motion').click();
    await node.getByTestId('node-progress').waitFor({ timeout: 30_000 });
    await expect.poll(() => node.getByTestId('node-progress').locator('.step').textContent(), { timeout: 30_000 }).toMatch(/differencing frames/);
    // ffmpeg's progress, not only "queued": the bar has a value.
    expect(Number(await node.getByTestId('node-progress').locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'motion-source-extracting.png') });

    const map = node.getByTestId('motion-map');
    await map.waitFor({ timeout: 90_000 });
    const take = '03_Renders/MOTION/motion-1/MOTION-motion-1_v01_take01.mp4';
    expect(await map.locator('video').getAttribute('src')).toContain(take);
    expect(await node.getByTestId('node-progress').count()).toBe(0);
    expect(await node.locator('[data-testid="takes"] [data-testid="take"][aria-pressed="true"]').getAttribute('data-path')).toBe(take);
    await page.screenshot({ path: join(ARTIFACTS, 'motion-source-done.png') });
    const sidecar = JSON.parse(await readFile(join(home, 'Projects', id, take.replace(/\.mp4$/, '.json')), 'utf8'));
    expect(sidecar).toMatchObject({ pipeline: 'motion-edges-ffmpeg', params: { method: 'difference' }, inputs: { input: imported.path } });
    expect(errors).toEqual([]);
  }, 240_000);
});
