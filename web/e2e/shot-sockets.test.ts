// A Shot's image sockets in Chromium: a face-swap shot lists which socket feeds which input of its
// pipeline (Target image -> the target, Source image -> the face), marks the required one with
// nothing wired, and clears the mark once an Asset node's image is wired there by dragging; the
// engine refuses the shot while it is unwired (MISSING_INPUT, naming the socket). Real engine, git,
// Chromium.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '@studio/engine/testing';
import { studioSession } from './browser.ts';
import { connect } from './canvas-actions.ts';

let session: Awaited<ReturnType<typeof studioSession>>;
beforeAll(async () => {
  session = await studioSession({ RUNNER_BACKEND: 'process', STUDIO_LOCAL_WORKER: '0' });
}, 120_000);
afterAll(() => session?.close());

async function savedEdges(id: string): Promise<Array<Record<string, string>>> {
  return ((await (await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`)).json()) as { graph: { edges: Array<Record<string, string>> } }).graph.edges;
}

const feeds = (page: Page) =>
  page.locator('[data-testid="shot-feed"]').evaluateAll((items) => items.map((li) => [li.textContent?.trim() ?? '', li.getAttribute('data-missing')]));

describe("a Shot's image sockets", () => {
  it('say which socket feeds which input of the wired pipeline, mark an unwired required one, and clear it once wired', async () => {
    const base = session.engine.baseUrl;
    const { body: asset } = await createAsset(base, { name: 'Mara', kind: 'character', trigger_word: 'mara' });
    const upload = await uploadImages(base, asset.id, [
      { name: 'crowd.png', bytes: await referenceImage(3) },
      { name: 'mara.png', bytes: await referenceImage(4) },
    ]);
    const [crowd, mara] = upload.body.asset.images as Array<{ file: string }>;
    const created = (await (
      await fetch(`${base}/api/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Face Swap Sockets' }),
      })
    ).json()) as { id: string };
    const graph = {
      nodes: [
        {
          id: 'shot-1',
          type: 'shot',
          position: { x: 0, y: 0 },
          data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'her face in the crowd', taskType: 'face-swap' },
        },
        { id: 'pipe-1', type: 'pipeline', position: { x: -340, y: -120 }, data: { pipelineId: 'faceswap-reactor' } },
        { id: 'crowd', type: 'asset', position: { x: -340, y: 160 }, data: { name: 'Crowd', kind: 'character', assetId: asset.id, image: crowd!.file } },
        { id: 'mara', type: 'asset', position: { x: -340, y: 520 }, data: { name: 'Mara', kind: 'character', assetId: asset.id, image: mara!.file } },
      ],
      edges: [
        { id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' },
        { id: 'e-2', source: 'crowd', sourceHandle: 'image', target: 'shot-1', targetHandle: 'target' },
      ],
    };
    const saved = await fetch(`${base}/api/v1/projects/${created.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph, version: 1 }),
    });
    expect(saved.status, await saved.clone().text()).toBe(200);

    // Unwired, the engine refuses it before anything else, naming the input and the socket.
    const refused = await fetch(`${base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: created.id, node_id: 'shot-1' }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'MISSING_INPUT', input: 'face', socket: 'image' });

    const page = await session.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await page.goto(`${base}/projects/${created.id}`);
    const shot = page.locator('[data-testid="node-shot"]');
    await shot.waitFor();
    await expect
      .poll(() => feeds(page), { timeout: 15_000 })
      .toEqual([
        ['Target image → Target image', 'false'],
        ['Source image → Source face: connect an image', 'true'],
      ]);
    await session.screenshot(page, 'shot-sockets-unwired');

    await connect(page, '.svelte-flow__node[data-id="mara"]', 'image', '.svelte-flow__node[data-id="shot-1"]', 'image');
    await expect
      .poll(async () => (await savedEdges(created.id)).find((e) => e.targetHandle === 'image'), { timeout: 15_000 })
      .toMatchObject({
        source: 'mara',
        sourceHandle: 'image',
      });
    await expect
      .poll(() => feeds(page), { timeout: 15_000 })
      .toEqual([
        ['Target image → Target image', 'false'],
        ['Source image → Source face', 'false'],
      ]);
    await session.screenshot(page, 'shot-sockets-wired');
    await page.close();
  }, 180_000);
});
