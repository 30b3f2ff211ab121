import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES, approveScenes, generate, reopenScenes, waitForTask } from '@studio/engine/testing';
import { ARTIFACTS_DIR, studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' })), 120_000);
afterAll(() => session?.close());

describe('assembly in the browser', () => {
  it('shows the running order, exports the EDL as a download, and renders the final video into the node', async () => {
    const base = session.engine.baseUrl;
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    const { id } = (await post('/api/v1/projects', { name: 'Final Cut' })) as { id: string };
    const shot = (nodeId: string, name: string, x: number, extra = {}) => ({
      id: nodeId,
      type: 'shot',
      position: { x, y: 0 },
      data: { scene: 'SCENE_01', shot: name, prompt: name, duration: 1, taskType: 'generate-video', ...extra },
    });
    await post(
      `/api/v1/projects/${id}`,
      {
        version: 1,
        graph: {
          nodes: [
            shot('b', 'SHOT_020', 320),
            shot('a', 'SHOT_010', 0, { transition: { type: 'dissolve', frames: 12 } }),
            { id: 'p', type: 'pipeline', position: { x: 0, y: -200 }, data: { pipelineId: 'draft-video' } },
            { id: 'q', type: 'pipeline', position: { x: 320, y: -200 }, data: { pipelineId: 'draft-video' } },
            { id: 'vse', type: 'vseAssembler', position: { x: 700, y: 0 }, data: { title: 'Final Cut', fps: '24' } },
          ],
          edges: [
            { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
            { id: 'e2', source: 'q', sourceHandle: 'pipeline', target: 'b', targetHandle: 'pipeline' },
            { id: 'e3', source: 'a', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
            { id: 'e4', source: 'b', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
          ],
        },
      },
      'PUT',
    );
    for (const node of ['a', 'b']) expect((await waitForTask(base, await generate(base, id, node), undefined, 120_000)).status).toBe('succeeded');

    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 }, acceptDownloads: true });
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const vse = page.locator('[data-testid="node-vseAssembler"]');
    await vse.waitFor();
    expect(await vse.getByTestId('vse-running-order').getByTestId('vse-shot-name').allTextContents()).toEqual(['SCENE_01/SHOT_010', 'SCENE_01/SHOT_020']);
    // Each scene's review status stands beside its first shot.
    await expect.poll(() => vse.getByTestId('scene-status-SCENE_01').getAttribute('data-status')).toBe('draft');
    expect(await vse.getByTestId('vse-cut').textContent()).toContain('2 shots · 1.5 s');

    // A refused export shows a notice instead of a download: fail with its words, not a timeout.
    const downloaded = page.waitForEvent('download', { timeout: 60_000 });
    await vse.getByTestId('export-edl').click();
    const refused = page
      .getByTestId('notice')
      .filter({ hasText: 'EDL not exported' })
      .waitFor({ timeout: 60_000 })
      .then(async () => Promise.reject(new Error(await page.getByTestId('notice').filter({ hasText: 'EDL not exported' }).first().innerText())));
    refused.catch(() => undefined);
    const download = await Promise.race([downloaded, refused]);
    expect(download.suggestedFilename()).toMatch(/^Final_Cut_\d{8}T\d{6}\.edl$/);
    const edl = await readFile((await download.path())!, 'utf8');
    expect(edl).toContain('TITLE: Final Cut');
    expect(edl).toMatch(/D\s+012/);

    // A final render needs the cut's scenes approved (the review e2e does it in the Review panel).
    await approveScenes(base, id);
    await expect.poll(() => vse.getByTestId('scene-status-SCENE_01').getAttribute('data-status'), { timeout: 20_000 }).toBe('approved');
    await vse.getByTestId('render-final').click();
    const movie = vse.getByTestId('vse-last-export');
    await movie.waitFor({ timeout: 120_000 });
    await expect.poll(() => movie.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await movie.evaluate((v: HTMLVideoElement) => Math.round(v.duration * 24))).toBe(36);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'assembler-rendered.png') });
    // A draft from the node itself: half size, watermarked, beside the final export (never replacing it).
    await vse.getByTestId('render-draft').click();
    const exports = join(session.home, 'Projects', id, '06_Exports');
    await expect.poll(async () => (await readdir(exports)).filter((f) => f.endsWith('_DRAFT.mp4')).length, { timeout: 120_000 }).toBe(1);
    expect((await readdir(exports)).filter((f) => f.endsWith('.mp4') && !f.endsWith('_DRAFT.mp4')).length).toBeGreaterThanOrEqual(1);

    // Editing again: the approved scene is reopened first (an approved scene's shots refuse edits).
    await reopenScenes(base, id);
    // A title card typed in the assembler lands in the shot's data, then in the draft preview's list.
    await vse.getByTestId('vse-text').locator('summary').click();
    await vse.getByTestId('vse-title-card').fill('THE HARBOUR');
    await vse.getByTestId('vse-title-card').press('Tab');
    const overlaysOfA = async () => {
      const project = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as {
        graph: { nodes: Array<{ id: string; data: { overlays?: unknown } }> };
      };
      return project.graph.nodes.find((n) => n.id === 'a')!.data.overlays;
    };
    await expect.poll(overlaysOfA).toEqual([{ kind: 'title', text: 'THE HARBOUR' }]);
    await vse.getByTestId('draft-preview').click();
    const draft = vse.getByTestId('vse-draft-preview');
    await draft.waitFor({ timeout: 120_000 });
    expect(await vse.getByTestId('vse-draft-status').textContent()).toContain('succeeded');
    await expect.poll(() => draft.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await draft.evaluate((v: HTMLVideoElement) => [v.videoWidth, Math.round(v.duration * 24)])).toEqual([384, 36]);
    await vse.screenshot({ path: join(ARTIFACTS_DIR, 'assembler-draft-preview.png') });
    await page.close();
  }, 300_000);

  it("makes takes at the frame rate chosen at creation, shows it in the header, and puts the cut's problems on its shots before export", async () => {
    const base = session.engine.baseUrl;
    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(base);
    await page.getByRole('button', { name: 'New Project' }).click();
    await page.locator('input[name="title"]').fill('Fifty Hertz');
    await page.locator('select[name="frame_rate"]').selectOption('25');
    await page.locator('form[aria-label="New project"]').screenshot({ path: join(ARTIFACTS_DIR, 'new-project-frame-rate.png') });
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    expect(await page.getByTestId('project-frame-rate').textContent()).toBe('25 fps');
    await page.locator('header', { has: page.getByTestId('project-frame-rate') }).screenshot({ path: join(ARTIFACTS_DIR, 'project-frame-rate-header.png') });

    const shot = (nodeId: string, name: string, x: number, extra = {}) => ({
      id: nodeId,
      type: 'shot',
      position: { x, y: 0 },
      data: { scene: 'SCENE_01', shot: name, prompt: name, duration: 1, taskType: 'generate-video', ...extra },
    });
    const project = (await (await fetch(`${base}/api/v1/projects/${id}`)).json()) as { version: number };
    const put = await fetch(`${base}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: project.version,
        graph: {
          nodes: [
            // 25 frames each: a gives all it can (24) to b, which has 1 frame left to give c; c's out point is past its end.
            shot('a', 'SHOT_010', 0, { transition: { type: 'dissolve', frames: 30 } }),
            shot('b', 'SHOT_020', 320, { transition: { type: 'dissolve', frames: 30 } }),
            shot('c', 'SHOT_030', 640, { outPoint: 3 }),
            { id: 'p', type: 'pipeline', position: { x: 0, y: -200 }, data: { pipelineId: 'draft-video' } },
            { id: 'vse', type: 'vseAssembler', position: { x: 960, y: 0 }, data: { title: 'Fifty', fps: '25' } },
          ],
          edges: [
            { id: 'e0', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
            ...['a', 'b', 'c'].map((n) => ({ id: `e${n}`, source: n, sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' })),
          ],
        },
      }),
    });
    expect(put.status, await put.text()).toBe(200);
    const task = await waitForTask(base, await generate(base, id, 'a'), undefined, 120_000);
    expect(task.status).toBe('succeeded');
    const rate = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=r_frame_rate',
        '-of',
        'csv=p=0',
        join(session.home, 'Projects', id, task.result!.take),
      ],
      { encoding: 'utf8' },
    );
    expect(rate.trim()).toBe('25/1');

    const vse = page.locator('[data-testid="node-vseAssembler"]');
    await vse.waitFor();
    const codes = () => vse.getByTestId('vse-warning').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-node')} ${el.getAttribute('data-code')}`));
    await expect.poll(codes).toEqual(['a DISSOLVE_SHORTENED', 'b DISSOLVE_SHORTENED', 'c TRIM_OUTSIDE_TAKE']);
    expect(await vse.getByTestId('vse-problems').textContent()).toContain('1 problem to fix before export');
    // 25 + 25 + 25 frames less the 24- and 1-frame dissolves, at 25 fps.
    expect(await vse.getByTestId('vse-cut').textContent()).toContain('3 shots · 2.0 s');
    await vse.screenshot({ path: join(ARTIFACTS_DIR, 'assembler-warnings.png') });
    await page.close();
  }, 240_000);
});
