import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { median, reporter, round, type BenchResult } from '../../engine/bench/bench-result.ts';
import { spawnEngine, REPO_ROOT } from '@studio/engine/testing';
import { launchChromium } from '../e2e/browser.ts';

const SHOTS = 500;
const ROUNDS = 5;
const SHOTS_DIR = join(REPO_ROOT, 'test-artifacts', 'bench');
const STILL = '03_Renders/BENCH/still.png';

/** 500 shots in ten scenes, each with a still take and some with a dissolve, all into one assembler. */
function timelineGraph() {
  const nodes: Array<Record<string, unknown>> = [{ id: 'vse', type: 'vseAssembler', position: { x: 0, y: 0 }, data: { title: 'Five hundred', fps: '24' } }];
  const edges: Array<Record<string, unknown>> = [];
  for (let i = 0; i < SHOTS; i++) {
    nodes.push({
      id: `s${i}`,
      type: 'shot',
      position: { x: 400 + (i % 25) * 320, y: Math.floor(i / 25) * 420 },
      data: {
        scene: `SCENE_${String(1 + Math.floor(i / 50)).padStart(2, '0')}`,
        shot: `SHOT_${String(10 + (i % 50) * 10).padStart(3, '0')}`,
        prompt: `Shot ${i}`,
        duration: 2 + (i % 4),
        activeTake: STILL,
        ...(i % 3 === 0 ? { transition: { type: 'dissolve', frames: 12 } } : {}),
      },
    });
    edges.push({ id: `e${i}`, source: `s${i}`, sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' });
  }
  return { nodes, edges };
}

/**
 * Main-thread work for one pointer move: from the move's first listener to the end of its last
 * (the app's handler and the Svelte update it flushes), plus the frame's rendering (style, layout,
 * paint) from its animation-frame callbacks to the task after them. What a frame costs, not how
 * long it waited for vsync.
 */
async function armFrameProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frame: Promise<number> };
    let handler = 0;
    let start = 0;
    w.__frame = new Promise<number>((resolve) => {
      window.addEventListener('pointermove', () => (start = performance.now()), { once: true, capture: true });
      window.addEventListener(
        'pointermove',
        () => {
          handler = performance.now() - start;
          requestAnimationFrame(() => {
            const frameStart = performance.now();
            const channel = new MessageChannel();
            channel.port1.onmessage = () => resolve(handler + performance.now() - frameStart);
            channel.port2.postMessage(0);
          });
        },
        { once: true },
      );
    });
  });
}

const frameWork = (page: Page) => page.evaluate(() => (window as unknown as { __frame: Promise<number> }).__frame);

/** Input to the frame after it painted (the canvas bench's pan step measure), to compare with the canvas. */
async function armLatencyProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __input: number };
    window.addEventListener('pointermove', (e) => (w.__input = e.timeStamp), { once: true, capture: true });
  });
}

const latency = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - (window as unknown as { __input: number }).__input))),
      ),
  );

/** A drag of 30 steps from (x, y): each step's frame work and latency, the first 5 (warming up) left out. */
async function dragSteps(page: Page, from: { x: number; y: number }, step: { dx: number; dy: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const work: number[] = [];
  const waits: number[] = [];
  for (let i = 1; i <= 30; i++) {
    await armFrameProbe(page);
    await armLatencyProbe(page);
    await page.mouse.move(from.x + step.dx * i, from.y + step.dy * i);
    waits.push(await latency(page));
    work.push(await frameWork(page));
  }
  await page.mouse.up();
  return { work: median(work.slice(5)), latency: median(waits.slice(5)) };
}

/**
 * ms from the Timeline button's click to the first frame painted with the strip's clips. A string,
 * not a function: the bench runs through a transpiler that wraps named inner functions in helpers
 * the page does not have.
 */
const OPEN_TIMELINE = `new Promise((resolve, reject) => {
  const button = document.querySelector('[data-testid="node-vseAssembler"] [data-testid="open-timeline"]');
  if (!button) return reject(new Error('no Timeline button on the assembler'));
  const t0 = performance.now();
  button.click();
  (function check() {
    if (!document.querySelector('[data-testid="timeline"] [data-testid="timeline-clip"]')) return requestAnimationFrame(check);
    // The frame with the clips: its rendering is over when the task after its animation frame runs.
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(performance.now() - t0);
      channel.port2.postMessage(0);
    });
  })();
})`;

const openTimeline = (page: Page) => page.evaluate(OPEN_TIMELINE) as Promise<number>;

/** A point on the bare pane, above the docked timeline, with room to drag. */
async function paneSpot(page: Page): Promise<{ x: number; y: number }> {
  const spot = await page.evaluate(() => {
    const pane = document.querySelector('.svelte-flow__pane')!.getBoundingClientRect();
    for (let y = pane.top + 60; y < pane.bottom - 360; y += 17)
      for (let x = pane.left + 200; x < pane.right - 300; x += 13) {
        const el = document.elementFromPoint(x, y);
        if (el?.closest('.svelte-flow__pane') && !el.closest('.svelte-flow__node, .svelte-flow__edge, .svelte-flow__panel')) return { x, y };
      }
    return null;
  });
  if (!spot) throw new Error('no empty spot on the pane to pan from');
  return spot;
}

/**
 * Chromium: the assembler's timeline over a 500-shot cut. Opening it (click to the painted strip),
 * and dragging a clip's end to trim it, against the canvas's own pan step on the same page in the
 * same run: per step, the main thread's work for the frame (target: a 60 fps frame, 16 ms) and the
 * latency from input to the painted frame (the canvas bench's measure, which includes the wait
 * for the display's next frame).
 */
export async function benchTimeline(): Promise<BenchResult[]> {
  const home = await mkdtemp(join(tmpdir(), 'studio-bench-timeline-'));
  await mkdir(SHOTS_DIR, { recursive: true });
  const engine = await spawnEngine({ env: { STUDIO_HOME: home } });
  const browser = await launchChromium().catch(async (error: unknown) => {
    await engine.stop();
    throw error;
  });
  try {
    const { id } = (await (
      await fetch(`${engine.baseUrl}/api/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"Five hundred shots"}',
      })
    ).json()) as { id: string };
    // One still, shared by every shot: the strip draws a thumbnail per clip in view, the browser loads the file once.
    const still = join(home, 'Projects', id, STILL);
    await mkdir(join(still, '..'), { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', '-y', still]);
    const put = await fetch(`${engine.baseUrl}/api/v1/projects/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph: timelineGraph(), version: 1 }),
    });
    if (!put.ok) throw new Error(`cannot save the bench graph: ${await put.text()}`);

    const open: number[] = [];
    const trimWork: number[] = [];
    const trimLatency: number[] = [];
    const panWork: number[] = [];
    const panLatency: number[] = [];
    let clipsDrawn = 0;
    let clipsInCut = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      // The canvas opens at zoom 1 on the assembler (at the origin), so its Timeline button is drawn.
      await page.addInitScript((key) => localStorage.setItem(key, JSON.stringify({ x: 200, y: 40, zoom: 1 })), `studio.viewport.${id}`);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${engine.baseUrl}/projects/${id}`);
      await page
        .locator('[data-testid="sync-status"][data-status="live"]')
        .waitFor({ timeout: 90_000 })
        .catch(async (error: unknown) => {
          await page.screenshot({ path: join(SHOTS_DIR, 'timeline-500-not-live.png') });
          throw new Error(`round ${r}: the canvas did not go live at ${page.url()} (${errors.join('; ') || 'no page errors'}): ${(error as Error).message}`);
        });
      await page.locator('[data-testid="node-vseAssembler"] [data-testid="open-timeline"]').waitFor();
      await page.waitForTimeout(500);
      open.push(await openTimeline(page));
      clipsDrawn = await page.locator('[data-testid="timeline-clip"]').count();
      clipsInCut = Number((/(\d+) shots/.exec((await page.getByTestId('timeline-summary').textContent()) ?? '') ?? [])[1]);
      if (r === 0) await page.screenshot({ path: join(SHOTS_DIR, 'timeline-500-open.png') });

      // Trim: drag a clip's end left, a pixel (two frames) per step.
      // A clip of its own each round: the trims of earlier rounds are saved.
      const clip = page.locator('[data-testid="timeline-clip"]').nth(2 + r);
      const framesBefore = await clip.getAttribute('data-frames');
      const box = (await clip.getByTestId('trim-out').boundingBox())!;
      const trim = await dragSteps(page, { x: box.x + box.width / 2, y: box.y + box.height / 2 }, { dx: -1, dy: 0 });
      // A drag that trimmed nothing would time nothing.
      if ((await clip.getAttribute('data-frames')) === framesBefore) throw new Error(`the trim drag left the clip at ${framesBefore} frames`);
      trimWork.push(trim.work);
      trimLatency.push(trim.latency);

      // The canvas's pan step, same page, timeline open.
      const pan = await dragSteps(page, await paneSpot(page), { dx: 6, dy: 3 });
      panWork.push(pan.work);
      panLatency.push(pan.latency);
      if (r === 0) await page.screenshot({ path: join(SHOTS_DIR, 'timeline-500-after-trim-and-pan.png') });
      await page.close();
    }

    const r = reporter('timeline');
    r.measured('shots', clipsInCut, 'shots', undefined, 'in the cut the timeline shows');
    r.measured('clips_drawn', clipsDrawn, 'clips', undefined, 'clips in the DOM: only those in view, and a margin');
    r.measured('open', round(median(open)), 'ms', { op: '<', value: 300 }, 'click on Timeline to the painted strip');
    r.measured(
      'trim_drag_frame_work',
      round(median(trimWork)),
      'ms',
      { op: '<', value: 16 },
      'main-thread work per pointer move: handler, update, style, layout, paint',
    );
    r.measured('canvas_pan_frame_work', round(median(panWork)), 'ms', 'baseline', 'the same measure for a pan step of the canvas, same page');
    r.measured('trim_drag_step_latency', round(median(trimLatency)), 'ms', undefined, 'input to the painted frame, vsync wait included');
    r.measured('canvas_pan_step_latency', round(median(panLatency)), 'ms', 'baseline', 'the canvas bench measure, same page');
    r.measured('trim_vs_pan_frame_work', round(median(trimWork) / median(panWork)), 'ratio', { op: '<=', value: 1 });
    r.measured('trim_vs_pan_step_latency', round(median(trimLatency) / median(panLatency)), 'ratio', { op: '<=', value: 1 });
    return r.results;
  } finally {
    await browser.close();
    await engine.stop();
    await rm(home, { recursive: true, force: true });
  }
}
