import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, referenceImage } from '@studio/engine/testing';
import { studioSession } from './browser.ts';
import { connect } from './canvas-actions.ts';

const SHOTS_DIR = join(REPO_ROOT, 'test-artifacts', 'assetcanvas');
let session: Awaited<ReturnType<typeof studioSession>>;
let media: string;

beforeAll(async () => {
  // The CPU draft trainer and draft-image run on the host (Debian's python3-torch); a short pause
  // after each training step keeps a 20-step run on screen long enough to watch its progress.
  session = await studioSession({ RUNNER_BACKEND: 'process', STUDIO_TRAIN_STEP_DELAY_S: '0.4' });
  media = await mkdtemp(join(tmpdir(), 'asset-canvas-media-'));
  await mkdir(SHOTS_DIR, { recursive: true });
  const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', join(media, 'walk.mp4'));
  // About 1 MiB: long enough to watch its upload under a throttled connection.
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-ac', '2', '-ar', '44100', join(media, 'line.wav'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=660:duration=1', join(media, 'voice.wav'));
}, 120_000);
afterAll(async () => {
  await session?.close();
  if (media) await rm(media, { recursive: true, force: true });
});

const shoot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS_DIR, `${name}.png`) });

async function createProject(name: string, graph?: unknown): Promise<string> {
  const base = session.engine.baseUrl;
  const { id } = (await (
    await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  ).json()) as { id: string };
  if (graph) {
    const res = await fetch(`${base}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph, version: 1 }),
    });
    expect(res.ok, await res.clone().text()).toBe(true);
  }
  return id;
}

async function savedGraph(id: string) {
  return (
    (await (await fetch(`${session.engine.baseUrl}/api/v1/projects/${id}`)).json()) as {
      graph: {
        nodes: Array<{ id: string; type: string; position: { x: number; y: number }; data: Record<string, unknown> }>;
        edges: Array<Record<string, string>>;
      };
    }
  ).graph;
}

/** Drops files (from disk or bytes) on an element, at a point of the page. */
async function dropFiles(page: Page, selector: string, files: Array<{ name: string; type: string; bytes: Buffer }>, at?: { x: number; y: number }) {
  const transfer = await page.evaluateHandle(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      return dt;
    },
    files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })),
  );
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer, ...(at ? { clientX: at.x, clientY: at.y } : {}) });
}

describe('media and library assets on the canvas (Chromium, real engine)', () => {
  it("drops an image, a video and audio on the canvas as nodes where they land, sets a node's media by drop and file picker with progress, and shows the engine's refusal", async () => {
    const id = await createProject('Drop Zone');
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${session.engine.baseUrl}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const pane = (await page.locator('.svelte-flow__pane').boundingBox())!;

    // An image dropped on the canvas: an Asset node (kind image) with the picture, at the drop point.
    await dropFiles(page, '.svelte-flow__pane', [{ name: 'beach.png', type: 'image/png', bytes: await referenceImage(2) }], {
      x: pane.x + 200,
      y: pane.y + 250,
    });
    const assetNode = page.locator('[data-testid="node-asset"]');
    await assetNode.locator('img[alt="Preview of beach"]').waitFor();
    // A video and an audio file: a Motion Source that plays it and an Audio node with its player.
    await dropFiles(page, '.svelte-flow__pane', [{ name: 'walk.mp4', type: 'video/mp4', bytes: await readFile(join(media, 'walk.mp4')) }], {
      x: pane.x + 520,
      y: pane.y + 250,
    });
    await dropFiles(page, '.svelte-flow__pane', [{ name: 'voice.wav', type: 'audio/wav', bytes: await readFile(join(media, 'voice.wav')) }], {
      x: pane.x + 840,
      y: pane.y + 250,
    });
    await page.locator('[data-testid="node-motionSource"] video').waitFor();
    await page.locator('[data-testid="node-audio"] [data-testid="audio-player"]').waitFor();
    await expect
      .poll(async () => (await savedGraph(id)).nodes.map((n) => [n.type, n.data.source ?? n.data.preview]).sort())
      .toEqual([
        ['asset', expect.stringMatching(/^01_Assets\/Source_Media\/beach_[0-9a-f]{12}\.png$/)],
        ['audio', expect.stringMatching(/^01_Assets\/Source_Media\/voice_[0-9a-f]{12}\.wav$/)],
        ['motionSource', expect.stringMatching(/^01_Assets\/Source_Media\/walk_[0-9a-f]{12}\.mp4$/)],
      ]);
    // Each node stands where its file was dropped (its top-left is a fixed offset from the point).
    const graph = await savedGraph(id);
    const asset = graph.nodes.find((n) => n.type === 'asset')!;
    const video = graph.nodes.find((n) => n.type === 'motionSource')!;
    expect(video.position.x - asset.position.x).toBeGreaterThan(300);
    expect(Math.abs(video.position.y - asset.position.y)).toBeLessThanOrEqual(1);
    expect(asset.data).toMatchObject({ kind: 'image', name: 'beach' });
    await shoot(page, 'canvas-drops');

    // A broken file on the canvas: the engine's 4xx message where it was dropped, and no node.
    await dropFiles(page, '.svelte-flow__pane', [{ name: 'broken.png', type: 'image/png', bytes: (await referenceImage(5)).subarray(0, 300) }], {
      x: pane.x + 200,
      y: pane.y + 650,
    });
    const refused = page.locator('[data-testid="canvas-upload"][data-state="failed"]');
    await refused.waitFor();
    const message = await refused.getByTestId('upload-error').textContent();
    expect(message).toMatch(/broken\.png/);
    expect(message).toMatch(/truncated|corrupt|cannot be decoded|decode/i);
    await shoot(page, 'canvas-drop-refused');
    expect((await savedGraph(id)).nodes).toHaveLength(3);
    await refused.getByTestId('upload-dismiss').click();
    await refused.waitFor({ state: 'detached' });

    // The Audio node's file picker, under a throttled connection: progress on the node, then the new source.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    const audio = page.locator('[data-testid="node-audio"]');
    await audio.getByTestId('media-input').setInputFiles(join(media, 'line.wav'));
    const progress = audio.getByTestId('upload-progress');
    await progress.waitFor();
    await expect.poll(async () => Number(await progress.getAttribute('data-percent')), { timeout: 15_000 }).toBeGreaterThan(0);
    await shoot(page, 'audio-node-upload-progress');
    await progress.waitFor({ state: 'detached', timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect
      .poll(async () => (await savedGraph(id)).nodes.find((n) => n.type === 'audio')!.data.source)
      .toMatch(/^01_Assets\/Source_Media\/line_[0-9a-f]{12}\.wav$/);

    // A video dropped on the Motion Source node sets its source (the canvas makes no second node);
    // an image dropped on it is refused there, naming what it takes.
    const motion = page.locator('[data-testid="node-motionSource"]');
    await dropFiles(page, '[data-testid="node-motionSource"] [data-testid="media-drop"]', [
      { name: 'beach.png', type: 'image/png', bytes: await referenceImage(2) },
    ]);
    expect(await motion.getByTestId('upload-error').textContent()).toMatch(/beach\.png is an image file: this node takes video/);
    await shoot(page, 'motion-node-refused');
    ffmpegClip(join(media, 'run.mp4'));
    await dropFiles(page, '[data-testid="node-motionSource"] [data-testid="media-drop"]', [
      { name: 'run.mp4', type: 'video/mp4', bytes: await readFile(join(media, 'run.mp4')) },
    ]);
    await expect
      .poll(async () => (await savedGraph(id)).nodes.find((n) => n.type === 'motionSource')!.data.source)
      .toMatch(/^01_Assets\/Source_Media\/run_[0-9a-f]{12}\.mp4$/);
    expect((await savedGraph(id)).nodes).toHaveLength(3);
    await shoot(page, 'motion-node-dropped');

    // An image dropped on the Asset node becomes its picture (what its Image output feeds).
    await dropFiles(page, '[data-testid="node-asset"] [data-testid="media-drop"]', [{ name: 'dune.png', type: 'image/png', bytes: await referenceImage(7) }]);
    await expect
      .poll(async () => (await savedGraph(id)).nodes.find((n) => n.type === 'asset')!.data.preview)
      .toMatch(/^01_Assets\/Source_Media\/dune_[0-9a-f]{12}\.png$/);
    await page.locator('[data-testid="node-asset"] img[src*="dune_"]').waitFor();

    // Import media… in the library panel: the chosen file lands as a node in the middle of the view.
    await page.getByTestId('import-media-input').setInputFiles({ name: 'sky.png', mimeType: 'image/png', buffer: await referenceImage(9) });
    await expect.poll(async () => (await savedGraph(id)).nodes.filter((n) => n.type === 'asset').map((n) => n.data.name)).toContain('sky');
    expect((await savedGraph(id)).nodes).toHaveLength(4);
    await page.close();
  }, 180_000);

  it('trains a character in /assets, drags it from the canvas library onto the canvas, wires it to a draft-image shot, and the take names its LoRA', async () => {
    const base = session.engine.baseUrl;
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));

    // 1. The Asset Manager: a character with 8 reference images, trained on the CPU draft trainer.
    await page.goto(`${base}/assets`);
    await page.getByTestId('new-asset').click();
    await page.getByTestId('asset-name').fill('Juno Park');
    await page.getByTestId('asset-trigger').fill('junopark');
    await page.getByTestId('create-asset').click();
    await page.waitForURL(/\/assets\/ast-[a-z0-9]{10}$/);
    const assetId = page.url().split('/').at(-1)!;
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => referenceImage(i + 10)));
    await page.getByTestId('image-input').setInputFiles(images.map((buffer, i) => ({ name: `juno_${i}.png`, mimeType: 'image/png', buffer })));
    await page.getByTestId('upload-result').getByText('8 added').waitFor();
    await page.getByText('Advanced').click();
    await page.getByTestId('train-steps').fill('20');
    await page.getByTestId('train').click();
    const run = page.getByTestId('training-run').first();
    await run.getByText(/Training step \d+\/20/).waitFor({ timeout: 90_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points')) >= 3, null, { timeout: 90_000 });
    await shoot(page, 'assets-training');
    await run.getByTestId('training-sample').first().waitFor({ timeout: 90_000 });
    await page.getByTestId('lora-version').getByText('JUNO_PARK_v01.safetensors').waitFor({ timeout: 120_000 });
    expect(await run.getAttribute('data-state')).toBe('succeeded');
    await shoot(page, 'assets-trained');
    const trained = (await (await fetch(`${base}/api/v1/assets/${assetId}`)).json()) as {
      versions: Array<{ name: string; sha256: string; version: number }>;
      cover: string;
      images: Array<{ id: string; file: string }>;
    };
    expect(trained.versions).toHaveLength(1);

    // 2. The canvas: a shot wired to draft-image; the library panel lists the asset with its cover, trigger word and LoRA.
    const id = await createProject('Juno Portrait', {
      nodes: [
        { id: 'shot-1', type: 'shot', position: { x: 420, y: 60 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'portrait at the window', seed: 11 } },
        { id: 'pipe-1', type: 'pipeline', position: { x: 40, y: 60 }, data: { pipelineId: 'draft-image' } },
      ],
      edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
    });
    await page.goto(`${base}/projects/${id}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const card = page.locator(`[data-testid="panel-asset"][data-asset-id="${assetId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toMatch(/Juno Park[\s\S]*junopark[\s\S]*character · 1 LoRA, JUNO_PARK_v01/);
    expect(await card.getByTestId('panel-cover').getAttribute('src')).toBe(`/api/v1/assets/${assetId}/files/thumbs/${trained.cover}.webp`);

    // 3. Drag the asset onto an empty part of the canvas, below the pipeline.
    const pane = (await page.locator('.svelte-flow__pane').boundingBox())!;
    const pipeBox = (await page.locator('[data-testid="node-pipeline"]').boundingBox())!;
    await card.dragTo(page.locator('.svelte-flow__pane'), { targetPosition: { x: pipeBox.x - pane.x + 140, y: pipeBox.y - pane.y + pipeBox.height + 120 } });
    const assetNode = page.locator('[data-testid="node-asset"]');
    await assetNode.locator('img[alt="Cover of Juno Park"]').waitFor();
    await expect
      .poll(async () => (await savedGraph(id)).nodes.find((n) => n.type === 'asset')?.data)
      .toMatchObject({
        assetId,
        name: 'Juno Park',
        triggerWord: 'junopark',
        kind: 'character',
        image: trained.images.find((i) => i.id === trained.cover)!.file,
      });
    await assetNode
      .getByTestId('asset-version')
      .getByText(/JUNO_PARK_v01/)
      .first()
      .waitFor({ state: 'attached' });
    await assetNode.getByTestId('asset-version').selectOption('1');
    await shoot(page, 'asset-dragged-onto-canvas');
    await assetNode.screenshot({ path: join(SHOTS_DIR, 'asset-node-linked.png') });

    // 4. Wire the asset into the shot's Character socket and generate.
    await connect(page, '[data-testid="node-asset"]', 'asset', '[data-testid="node-shot"]', 'character');
    await expect.poll(async () => (await savedGraph(id)).edges.some((e) => e.targetHandle === 'character')).toBe(true);
    const shot = page.locator('[data-testid="node-shot"]');
    await shot.getByTestId('generate').click();
    const thumb = shot.locator('img[src*="take01"]');
    await thumb.waitFor({ timeout: 90_000 });
    await shoot(page, 'shot-generated-with-lora');

    // 5. The take's provenance sidecar names the asset, its version and hash; the LoRA is in the project.
    const graph = await savedGraph(id);
    const take = graph.nodes.find((n) => n.id === 'shot-1')!.data.activeTake as string;
    const sidecar = JSON.parse(await readFile(join(session.home, 'Projects', id, take.replace(/\.png$/, '.json')), 'utf8'));
    expect(sidecar.params).toMatchObject({
      lora_asset: assetId,
      lora_version: 'JUNO_PARK_v01',
      lora_sha256: trained.versions[0]!.sha256,
      trigger_word: 'junopark',
    });
    expect(sidecar.inputs.lora).toBe('01_Assets/AI_Models/JUNO_PARK_v01.safetensors');
    expect(sidecar.prompt).toBe('junopark, portrait at the window');

    // 6. Its Image output takes another of its images (chosen in the node) into the shot's image socket.
    const third = trained.images[2]!;
    await assetNode.locator(`[data-testid="asset-images"] [data-file="${third.file}"]`).click();
    await expect.poll(async () => (await savedGraph(id)).nodes.find((n) => n.type === 'asset')!.data.image).toBe(third.file);
    await connect(page, '[data-testid="node-asset"]', 'image', '[data-testid="node-shot"]', 'image');
    await expect.poll(async () => (await savedGraph(id)).edges.find((e) => e.targetHandle === 'image')).toMatchObject({ sourceHandle: 'image' });
    await shoot(page, 'asset-image-wired');
    await page.close();
  }, 420_000);
});

function ffmpegClip(path: string) {
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=1',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
}
