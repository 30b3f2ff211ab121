import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIPELINES, generate, waitForTask } from '@studio/engine/testing';
import { join } from 'node:path';
import { ARTIFACTS_DIR, studioSession } from './browser.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => (session = await studioSession({ PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process' })), 120_000);
afterAll(() => session?.close());

describe('review and approval in the browser', () => {
  it('submits and approves scenes in the Review panel, shows the badges, and gates Render Final Video on approval', async () => {
    const base = session.engine.baseUrl;
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    const { id } = (await post('/api/v1/projects', { name: 'Review Cut' })) as { id: string };
    const group = (nodeId: string, scene: string, x: number) => ({
      id: nodeId,
      type: 'sceneGroup',
      position: { x, y: 0 },
      width: 360,
      height: 640,
      data: { scene },
    });
    const shot = (nodeId: string, scene: string, parentId: string) => ({
      id: nodeId,
      type: 'shot',
      position: { x: 10, y: 90 },
      parentId,
      data: { scene, shot: 'SHOT_010', prompt: `${scene} harbour`, duration: 1, taskType: 'generate-video' },
    });
    await post(
      `/api/v1/projects/${id}`,
      {
        version: 1,
        graph: {
          nodes: [
            group('g1', 'SCENE_01', 0),
            group('g2', 'SCENE_02', 400),
            shot('a', 'SCENE_01', 'g1'),
            shot('b', 'SCENE_02', 'g2'),
            { id: 'p', type: 'pipeline', position: { x: 0, y: -260 }, data: { pipelineId: 'draft-video' } },
            { id: 'q', type: 'pipeline', position: { x: 380, y: -260 }, data: { pipelineId: 'draft-video' } },
            { id: 'vse', type: 'vseAssembler', position: { x: 800, y: 0 }, data: { title: 'Review Cut', fps: '24' } },
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

    const page = await session.browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const groupBadge = (scene: string) => page.locator('[data-testid="node-sceneGroup"]').getByTestId(`scene-status-${scene}`);
    await expect.poll(() => groupBadge('SCENE_01').getAttribute('data-status'), { timeout: 10_000 }).toBe('draft');

    await page.getByTestId('review-toggle').click();
    const panel = page.getByTestId('review-panel');
    const scene1 = panel.getByTestId('review-scene-SCENE_01');
    const scene2 = panel.getByTestId('review-scene-SCENE_02');
    await scene1.waitFor();
    await scene1.getByTestId('review-submit').click();
    await expect.poll(() => scene1.getByTestId('scene-status-SCENE_01').getAttribute('data-status')).toBe('in_review');
    await scene1.getByTestId('review-note').fill('Looks good');
    await scene1.getByTestId('review-approve').click();
    await expect.poll(() => scene1.getByTestId('scene-status-SCENE_01').getAttribute('data-status')).toBe('approved');
    await expect.poll(() => groupBadge('SCENE_01').getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    expect(await scene1.getByTestId('review-last').textContent()).toContain('Local user');
    await scene2.getByTestId('review-submit').click();
    await expect.poll(() => scene2.getByTestId('scene-status-SCENE_02').getAttribute('data-status')).toBe('in_review');

    // The scene's timeline: who did what.
    await scene1.getByTestId('review-timeline-toggle').click();
    const timeline = scene1.getByTestId('review-timeline');
    await expect.poll(() => timeline.textContent()).toContain('Local user approved it: “Looks good”');
    expect(await timeline.textContent()).toContain('Local user submitted it for review');
    await session.screenshot(page, 'review-panel');
    await page.getByTestId('review-toggle').click();

    // An approved scene's shot refuses an edit, and the canvas says why.
    const shotA = page.locator('.svelte-flow__node[data-id="a"]');
    await shotA.getByTestId('shot-duration').fill('2');
    await shotA.getByTestId('shot-duration').press('Tab');
    await expect
      .poll(() => page.getByTestId('notice').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/SCENE_01 is approved.*reopen/)]));

    // Render Final Video with SCENE_02 still in review: refused, naming it.
    const vse = page.locator('[data-testid="node-vseAssembler"]');
    await vse.getByTestId('render-final').click();
    await expect
      .poll(() => page.getByTestId('notice').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/Final render refused: SCENE_02 is in review, not approved/)]));
    await session.screenshot(page, 'review-render-refused');

    // A draft is always allowed.
    await page.getByTestId('review-toggle').click();
    await panel.getByTestId('review-render-draft').click();
    await expect
      .poll(() => page.getByTestId('notice').allTextContents(), { timeout: 120_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/Draft render ready: 06_Exports\/Review_Cut_\d{8}T\d{6}_DRAFT\.mp4/)]));

    // Approve SCENE_02 and the final render goes through.
    await scene2.getByTestId('review-note').fill('Ship it');
    await scene2.getByTestId('review-approve').click();
    await expect.poll(() => groupBadge('SCENE_02').getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    await page.locator('.svelte-flow__node[data-id="g1"]').screenshot({ path: join(ARTIFACTS_DIR, 'review-scene-group-badge.png') });
    await page.getByTestId('review-toggle').click();
    await vse.getByTestId('render-final').click();
    await vse.getByTestId('vse-last-export').waitFor({ timeout: 120_000 });
    await session.screenshot(page, 'review-approved-rendered');
  }, 300_000);
});
