import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES, generate, waitForTask } from '@studio/engine/testing';
import { ARTIFACTS_DIR, studioSession } from './browser.ts';
import { moveNode } from './canvas-actions.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' })), 120_000);
afterAll(() => session?.close());

const shot = (nodeId: string, name: string, x: number) => ({
  id: nodeId,
  type: 'shot',
  position: { x, y: 0 },
  data: { scene: 'SCENE_01', shot: name, prompt: `the harbour, ${name}`, duration: 2, taskType: 'generate-video' },
});

/** Drags from the middle of `handle` by dx pixels, in steps, as a hand would. */
async function dragBy(page: Page, handle: Locator, dx: number) {
  const box = (await handle.boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(x + (dx * i) / 8, y);
  await page.mouse.up();
}

describe('finishing the cut by hand', () => {
  it('generates a super-resolution pass from its node, sets a dissolve and trims on the timeline, exports them, renders and plays the movie', async () => {
    const base = session.engine.baseUrl;
    const json = (path: string, body?: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    // Set-up (not under test): two generated shots, the second through a Super Resolution node, into an assembler.
    const { id } = (await json('/api/v1/projects', { name: 'Harbour Timeline' })) as { id: string };
    await json(
      `/api/v1/projects/${id}`,
      {
        version: 1,
        graph: {
          nodes: [
            shot('a', 'SHOT_010', 0),
            shot('b', 'SHOT_020', 320),
            { id: 'p', type: 'pipeline', position: { x: 0, y: -220 }, data: { pipelineId: 'draft-video' } },
            { id: 'sr', type: 'superResolution', position: { x: 640, y: 120 }, data: { scale: 1.5 } },
            { id: 'vse', type: 'vseAssembler', position: { x: 960, y: 0 }, data: { title: 'Harbour', fps: '24' } },
          ],
          edges: [
            { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
            { id: 'e2', source: 'p', sourceHandle: 'pipeline', target: 'b', targetHandle: 'pipeline' },
            { id: 'e3', source: 'a', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
            { id: 'e4', source: 'b', sourceHandle: 'output', target: 'sr', targetHandle: 'input' },
            { id: 'e5', source: 'sr', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
          ],
        },
      },
      'PUT',
    );
    for (const node of ['a', 'b']) expect((await waitForTask(base, await generate(base, id, node), undefined, 120_000)).status).toBe('succeeded');
    const nodeData = async (nodeId: string) => {
      const project = (await json(`/api/v1/projects/${id}`, undefined, 'GET')) as { graph: { nodes: Array<{ id: string; data: Record<string, unknown> }> } };
      return project.graph.nodes.find((n) => n.id === nodeId)!.data;
    };

    const page = await session.browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const vse = page.locator('[data-testid="node-vseAssembler"]');
    const sr = page.locator('[data-testid="node-superResolution"]');

    // 1. The pass is missing: the assembler names it and offers the fix; the SR node generates it itself.
    await expect.poll(() => vse.getByTestId('vse-missing').textContent()).toContain('SCENE_01/SHOT_020');
    const fix = vse.locator('[data-testid="vse-fix"][data-node="sr"]');
    await expect.poll(() => fix.getByTestId('vse-fix-generate').isEnabled()).toBe(true);
    expect(await sr.getByTestId('no-takes').textContent()).toBe('No takes yet');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-1-missing-pass.png') });
    await sr.getByTestId('generate').click();
    await expect.poll(() => sr.locator('[data-testid="take"][aria-pressed="true"]').count(), { timeout: 120_000 }).toBe(1);
    const srTake = await sr.locator('[data-testid="take"][aria-pressed="true"]').getAttribute('data-path');
    expect(srTake).toMatch(/^03_Renders\/SCENE_01\/SHOT_020\/SHOT-020_SR_v01_take01\.mp4$/);
    await expect.poll(() => vse.getByTestId('vse-missing').count()).toBe(0);
    await expect.poll(() => sr.locator('video').evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-2-pass-generated.png') });

    // 2. The timeline: the running order, clips sized by their length.
    await vse.getByTestId('open-timeline').click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const clips = timeline.getByTestId('timeline-clip');
    await expect.poll(() => clips.count()).toBe(2);
    expect(await clips.evaluateAll((els) => els.map((e) => [e.getAttribute('data-node'), e.getAttribute('data-frames')]))).toEqual([
      ['a', '48'],
      ['b', '48'],
    ]);
    const ppf = Number(await timeline.getByTestId('timeline-lane').getAttribute('data-px-per-frame'));
    expect(ppf).toBeGreaterThan(1);
    const widths = await clips.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().width)));
    expect(widths).toEqual([Math.round(48 * ppf), Math.round(48 * ppf)]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-3-open.png') });

    // 3. A dissolve: click the join, choose dissolve, 12 frames. It is drawn as an overlap.
    await timeline.getByTestId('timeline-join').click();
    const editor = timeline.getByTestId('join-editor');
    await editor.getByTestId('join-dissolve').check();
    await editor.getByTestId('join-frames').fill('12');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-4-join-editor.png') });
    await editor.getByTestId('join-apply').click();
    await expect.poll(() => timeline.getByTestId('timeline-join').textContent()).toBe('D 12');
    await expect.poll(async () => (await nodeData('a')).transition).toEqual({ type: 'dissolve', frames: 12 });
    const overlap = (await timeline.getByTestId('timeline-dissolve').boundingBox())!;
    expect(Math.round(overlap.width)).toBe(Math.round(12 * ppf));
    expect(await timeline.getByTestId('timeline-summary').textContent()).toContain('(84 frames)');

    // Under the dissolve the first clip's end and the second's start are both there to grab.
    const clipA = timeline.locator('[data-testid="timeline-clip"][data-node="a"]');
    const clipB = timeline.locator('[data-testid="timeline-clip"][data-node="b"]');
    const hitAt = async (edge: Locator) => {
      const box = (await edge.boundingBox())!;
      return page.evaluate(
        ({ x, y }) => {
          const el = document.elementFromPoint(x, y);
          return [el?.getAttribute('data-testid'), el?.closest('[data-testid="timeline-clip"]')?.getAttribute('data-node')];
        },
        { x: box.x + box.width / 2, y: box.y + box.height / 2 },
      );
    };
    expect(await hitAt(clipA.getByTestId('trim-out'))).toEqual(['trim-out', 'a']);
    expect(await hitAt(clipB.getByTestId('trim-in'))).toEqual(['trim-in', 'b']);

    // 4. Trims: the first clip's start 12 frames in, the second's end pulled back 12; then past the take's end, held to it.
    await dragBy(page, clipA.getByTestId('trim-in'), 12 * ppf);
    await expect.poll(() => clipA.getAttribute('data-frames')).toBe('36');
    await expect.poll(async () => (await nodeData('a')).inPoint).toBe(0.5);
    // The preview shows the frame the trim landed on: the new first frame, 12 frames into the take.
    expect(await timeline.getByTestId('timeline-preview').locator('figcaption').textContent()).toContain('source frame 12');
    await dragBy(page, clipB.getByTestId('trim-out'), -24 * ppf);
    await expect.poll(async () => (await nodeData('b')).outPoint).toBe(1);
    expect(await clipB.getAttribute('data-frames')).toBe('24');
    await dragBy(page, clipB.getByTestId('trim-out'), 200 * ppf);
    await expect.poll(async () => (await nodeData('b')).outPoint).toBe(2);
    expect(await clipB.getAttribute('data-frames')).toBe('48');
    await dragBy(page, clipB.getByTestId('trim-out'), -12 * ppf);
    await expect.poll(() => clipB.getAttribute('data-frames')).toBe('36');
    await expect.poll(async () => (await nodeData('b')).outPoint).toBe(1.5);
    expect(await timeline.getByTestId('timeline-summary').textContent()).toContain('(60 frames)');
    expect(await vse.getByTestId('vse-cut').textContent()).toContain('2 shots · 2.5 s');

    // 5. Scrub: the playhead on the second clip shows its frame.
    const lane = (await timeline.getByTestId('timeline-lane').boundingBox())!;
    await page.mouse.click(lane.x + 40 * ppf + 2, lane.y + lane.height / 2);
    expect(await timeline.getByTestId('timeline-timecode').textContent()).toContain('frame 40');
    // Frame 40 of the record is 16 frames into the second clip, which starts at 24 (36 - 12 of dissolve).
    expect(await timeline.getByTestId('timeline-preview').locator('figcaption').textContent()).toContain('source frame 16');
    await page.keyboard.press('ArrowRight');
    expect(await timeline.getByTestId('timeline-timecode').textContent()).toContain('frame 41');
    const preview = timeline.getByTestId('timeline-preview').locator('video');
    await expect.poll(() => preview.evaluate((v: HTMLVideoElement) => Math.floor(v.currentTime * 24))).toBe(17);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-5-dissolve-trims-scrub.png') });

    // 6. Export: the dissolve and the trimmed source times are in the list. The docked timeline
    // takes the bottom of the page: the assembler is moved up to reach its buttons.
    await moveNode(page, '[data-testid="node-vseAssembler"]', 0, -300);
    const [download] = await Promise.all([page.waitForEvent('download'), vse.getByTestId('export-edl').click()]);
    const edl = await readFile((await download.path())!, 'utf8');
    await writeFile(join(ARTIFACTS_DIR, 'timeline-export.edl'), edl);
    // The first shot from its trimmed in point (frame 12) until the dissolve starts (its last 12 frames are under the dissolve);
    // the pass of the second dissolves in for 12 frames and runs to its trimmed out point (1.5 s = 1 s 12 frames).
    expect(edl).toMatch(/^001\s+\S+\s+V\s+C\s+00:00:00:12 00:00:01:12 01:00:00:00 01:00:01:00\s*$/m);
    expect(edl).toMatch(/^002\s+\S+\s+V\s+D\s+012 00:00:00:00 00:00:01:12 01:00:01:00 01:00:02:12\s*$/m);
    expect(edl).toContain('SHOT-020_SR_v01_take01');

    // 7. Render: progress as a bar with its percent; the movie plays large, with sound, a frame at a time.
    await timeline.getByTestId('timeline-close').click();
    // The final render needs the scene approved (docs/governance.md#review): set-up here, the review panel is tested on its own.
    for (const action of ['submit', 'approve']) expect((await json(`/api/v1/projects/${id}/scenes/SCENE_01/review`, { action })).scene).toBeTruthy();
    await vse.getByTestId('render-final').click();
    const percents: string[] = [];
    const movie = vse.getByTestId('vse-last-export');
    for (let i = 0; i < 1200 && !(await movie.count()); i++) {
      const percent = vse.getByTestId('node-progress-percent');
      if (await percent.count()) percents.push((await percent.textContent().catch(() => '')) ?? '');
      await page.waitForTimeout(100);
    }
    if (!(await movie.count())) {
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-render-stuck.png') });
      throw new Error(`no movie: ${await vse.getByTestId('vse-status').textContent()} ${await vse.textContent()}`);
    }
    expect(percents.some((p) => /^\d+%$/.test(p))).toBe(true);
    await vse.getByTestId('play-movie').click();
    const player = page.getByTestId('movie-player');
    await player.waitFor();
    const video = player.getByTestId('player-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => Math.round(v.duration * 24))).toBe(60);
    expect(await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
    expect(await player.getByTestId('player-timecode').textContent()).toContain('/ 60');
    await player.getByTestId('player-play').click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0.2);
    await player.getByTestId('player-play').click();
    await player.getByTestId('player-scrub').fill('30');
    await expect.poll(() => player.getByTestId('player-timecode').getAttribute('data-frame')).toBe('30');
    await player.getByTestId('player-next').click();
    await expect.poll(() => player.getByTestId('player-timecode').getAttribute('data-frame')).toBe('31');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => Math.floor(v.currentTime * 24))).toBe(31);
    await player.getByTestId('player-prev').click();
    await player.getByTestId('player-prev').click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => Math.floor(v.currentTime * 24))).toBe(29);
    expect(await player.getByTestId('player-timecode').textContent()).toContain('00:00:01:05');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-6-player.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => player.count()).toBe(0);
  }, 480_000);
  it("fixes a missing Video Restoration pass from the assembler's own buttons: generating it, then choosing the kept take", async () => {
    const base = session.engine.baseUrl;
    const json = (path: string, body?: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    const { id } = (await json('/api/v1/projects', { name: 'Restored Harbour' })) as { id: string };
    await json(
      `/api/v1/projects/${id}`,
      {
        version: 1,
        graph: {
          nodes: [
            shot('a', 'SHOT_010', 0),
            { id: 'p', type: 'pipeline', position: { x: 0, y: -220 }, data: { pipelineId: 'draft-video' } },
            { id: 'vr', type: 'videoRestoration', position: { x: 320, y: 0 }, data: { strength: 0.4 } },
            { id: 'vse', type: 'vseAssembler', position: { x: 640, y: 0 }, data: { title: 'Restored', fps: '24' } },
          ],
          edges: [
            { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
            { id: 'e2', source: 'a', sourceHandle: 'output', target: 'vr', targetHandle: 'input' },
            { id: 'e3', source: 'vr', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
          ],
        },
      },
      'PUT',
    );
    expect((await waitForTask(base, await generate(base, id, 'a'), undefined, 120_000)).status).toBe('succeeded');

    const page = await session.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const vse = page.locator('[data-testid="node-vseAssembler"]');
    const vr = page.locator('[data-testid="node-videoRestoration"]');
    const fix = vse.locator('[data-testid="vse-fix"][data-node="vr"]').getByTestId('vse-fix-generate');
    await expect.poll(() => fix.isEnabled()).toBe(true);
    await fix.click();
    await expect.poll(() => vr.locator('[data-testid="take"][aria-pressed="true"]').count(), { timeout: 120_000 }).toBe(1);
    expect(await vr.locator('[data-testid="take"][aria-pressed="true"]').getAttribute('data-path')).toMatch(
      /^03_Renders\/SCENE_01\/SHOT_010\/SHOT-010_VR_v01_take01\.mp4$/,
    );
    await expect.poll(() => vse.getByTestId('vse-missing').count()).toBe(0);
    await expect.poll(() => vr.locator('video').evaluate((v: HTMLVideoElement) => Math.round(v.duration * 24))).toBe(48);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-7-restoration-fixed.png') });
    await page.close();

    // Set-up: the pass is kept but no longer chosen. The fix is then to use it, not to generate again.
    const project = (await json(`/api/v1/projects/${id}`, undefined, 'GET')) as {
      version: number;
      graph: { nodes: Array<{ id: string; data: Record<string, unknown> }>; edges: unknown[] };
    };
    const take = project.graph.nodes.find((n) => n.id === 'vr')!.data.activeTake;
    for (const n of project.graph.nodes) if (n.id === 'vr') n.data = { ...n.data, activeTake: null };
    const put = await fetch(`${base}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: project.version, graph: { nodes: project.graph.nodes, edges: project.graph.edges } }),
    });
    expect(put.status).toBeLessThan(300);
    const again = await session.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await again.goto(`${base}/projects/${id}`);
    await again.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const vse2 = again.locator('[data-testid="node-vseAssembler"]');
    const useTake = vse2.locator('[data-testid="vse-fix"][data-node="vr"]').getByTestId('vse-fix-take');
    await useTake.waitFor();
    await useTake.click();
    await expect.poll(() => vse2.getByTestId('vse-missing').count()).toBe(0);
    await expect
      .poll(async () => ((await json(`/api/v1/projects/${id}`, undefined, 'GET')) as typeof project).graph.nodes.find((n) => n.id === 'vr')!.data.activeTake)
      .toBe(take);
    await again.close();
  }, 240_000);
  it('shows a generation as a bar with its percent and the time left', async () => {
    const base = session.engine.baseUrl;
    const json = (path: string, body?: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    const { id } = (await json('/api/v1/projects', { name: 'Slow Harbour' })) as { id: string };
    await json(
      `/api/v1/projects/${id}`,
      {
        version: 1,
        graph: {
          nodes: [
            { ...shot('a', 'SHOT_010', 0), data: { ...shot('a', 'SHOT_010', 0).data, taskType: 'generate-image' } },
            { id: 'p', type: 'pipeline', position: { x: 0, y: -220 }, data: { pipelineId: 'test-slow' } },
          ],
          edges: [{ id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' }],
        },
      },
      'PUT',
    );
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const node = page.locator('[data-testid="node-shot"]');
    await expect.poll(() => node.getByTestId('generate').isEnabled()).toBe(true);
    await node.getByTestId('generate').click();
    // The test double reports 5% every 0.3 s for 6 s: a pace, so a time left, within a second or two.
    const left = node.getByTestId('node-progress-left');
    await left.waitFor({ timeout: 30_000 });
    expect(await left.textContent()).toMatch(/^(about \d+ s left|almost done)$/);
    expect(await node.getByTestId('node-progress-percent').textContent()).toMatch(/^\d{1,3}%$/);
    expect(Number(await node.getByTestId('node-progress').locator('progress').getAttribute('value'))).toBeGreaterThan(0);
    await node.screenshot({ path: join(ARTIFACTS_DIR, 'timeline-8-progress-time-left.png') });
    await expect.poll(() => node.getByTestId('node-progress').count(), { timeout: 60_000 }).toBe(0);
    await page.close();
  }, 120_000);
});
