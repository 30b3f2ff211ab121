import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { jobApp } from '../testing/job-app.ts';
import { generate, waitForTask } from '../testing/project-fixture.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import { readEvents } from './event-log.ts';
import { replayCanvas } from './replay-canvas.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
let id: string;
beforeAll(async () => {
  studio = await jobApp({ concurrency: 2 });
  const { body: created } = await json('POST', '/api/v1/projects', { name: 'Gate' });
  id = created.id as string;
  const shot = (nodeId: string, scene: string) => ({
    id: nodeId,
    type: 'shot',
    position: { x: 0, y: 0 },
    data: { scene, shot: 'SHOT_010', prompt: `${scene} at dusk`, duration: 1, taskType: 'generate-video' },
  });
  const graph = {
    nodes: [
      shot('a', 'SCENE_01'),
      shot('b', 'SCENE_02'),
      { id: 'p', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
      { id: 'p2', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
      { id: 'vse', type: 'vseAssembler', position: { x: 0, y: 0 }, data: { title: 'Gate', fps: '24' } },
    ],
    edges: [
      { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
      { id: 'e2', source: 'p2', sourceHandle: 'pipeline', target: 'b', targetHandle: 'pipeline' },
      { id: 'e3', source: 'a', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
      { id: 'e4', source: 'b', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
    ],
  };
  expect((await json('PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);
  for (const node of ['a', 'b']) expect((await waitForTask(studio.base, await generate(studio.base, id, node), undefined, 120_000)).status).toBe('succeeded');
}, 240_000);
afterAll(() => studio?.close());

async function json(method: string, path: string, body?: unknown) {
  const r = await fetch(`${studio.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}
const render = (extra: Record<string, unknown> = {}) => json('POST', `/api/v1/projects/${id}/render`, { assembler: 'vse', ...extra });
const review = (scene: string, action: string) => json('POST', `/api/v1/projects/${id}/scenes/${scene}/review`, { action });
const file = (path: string) => join(studio.home, 'Projects', id, path);
const probeSize = (path: string) => {
  const [w, h] = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file(path)], {
    encoding: 'utf8',
  })
    .trim()
    .split(',')
    .map(Number);
  return { width: w!, height: h! };
};
/** One grey frame at 0.5 s, scaled to a size, as raw bytes (and as a PNG beside the test artifacts, to look at). */
const frame = (path: string, width: number, height: number, png: string) => {
  const args = ['-v', 'error', '-ss', '0.5', '-i', file(path), '-frames:v', '1', '-vf', `scale=${width}:${height}`];
  const dir = join(REPO_ROOT, 'test-artifacts', 'review');
  mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', ['-y', ...args, join(dir, png)]);
  return execFileSync('ffmpeg', [...args, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
};

describe('the approval gate, draft renders and render reuse', () => {
  let draftOutput = '';

  it('refuses a final render of a cut with an unapproved scene, naming it, over REST and the WebSocket', async () => {
    const refused = await render();
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'SCENE_NOT_APPROVED', scene: 'SCENE_01', status: 'draft' });
    expect(refused.body.error).toMatch(/SCENE_01 is a draft, not approved/);

    expect((await review('SCENE_01', 'submit')).status).toBe(200);
    expect((await review('SCENE_01', 'approve')).status).toBe(200);
    expect((await review('SCENE_02', 'submit')).status).toBe(200);
    expect((await render()).body).toMatchObject({ code: 'SCENE_NOT_APPROVED', scene: 'SCENE_02', status: 'in_review' });

    const ws = await WsProbe.open(studio.base, id);
    try {
      await ws.next('server:full_sync');
      ws.send({ type: 'client:render_final_sequence', node_id: 'vse' });
      const failed = await ws.next('server:task_failed');
      expect(failed).toMatchObject({ node_id: 'vse' });
      expect(failed.error).toMatch(/Final render refused: SCENE_02 is in review, not approved/);
    } finally {
      ws.close();
    }
  });

  it('lets a draft render through: half size, DRAFT in its name, never the last export', async () => {
    const { status, body } = await render({ draft: true });
    expect(status).toBe(202);
    const done = await waitForTask(studio.base, body.task_id as string, undefined, 120_000);
    expect(done.status, done.error ?? '').toBe('succeeded');
    draftOutput = done.result!.take;
    expect(draftOutput).toMatch(/^06_Exports\/Gate_\d{8}T\d{6}_DRAFT\.mp4$/);
    const project = await json('GET', `/api/v1/projects/${id}`);
    const vse = (project.body.graph as { nodes: Array<{ id: string; data: Record<string, unknown> }> }).nodes.find((n) => n.id === 'vse')!;
    expect(vse.data.lastExport ?? null).toBeNull();
  });

  it('renders the final cut once every scene is approved; the draft is half its size and watermarked', async () => {
    expect((await review('SCENE_02', 'approve')).status).toBe(200);
    const { status, body } = await render();
    expect(status).toBe(202);
    const done = await waitForTask(studio.base, body.task_id as string, undefined, 120_000);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const finalOutput = done.result!.take;
    expect(finalOutput).toMatch(/^06_Exports\/Gate_\d{8}T\d{6}\.mp4$/);

    const full = probeSize(finalOutput);
    const draft = probeSize(draftOutput);
    expect(draft.width).toBeLessThanOrEqual(Math.ceil(full.width / 2) + 1);
    expect(draft.height).toBeLessThanOrEqual(Math.ceil(full.height / 2) + 1);
    expect(draft.width * draft.height * 3).toBeLessThan(full.width * full.height);

    // The same frame of both at the draft's size: the watermark changes the middle band, not the edges.
    const a = frame(draftOutput, draft.width, draft.height, 'draft-frame.png');
    const b = frame(finalOutput, draft.width, draft.height, 'final-frame.png');
    const band = (y: number) => y > draft.height * 0.35 && y < draft.height * 0.65;
    let inside = 0;
    let insideChanged = 0;
    let outside = 0;
    let outsideChanged = 0;
    for (let y = 0; y < draft.height; y++)
      for (let x = 0; x < draft.width; x++) {
        const changed = Math.abs(a[y * draft.width + x]! - b[y * draft.width + x]!) > 48;
        if (band(y)) {
          inside++;
          if (changed) insideChanged++;
        } else if (y < draft.height * 0.2 || y > draft.height * 0.8) {
          outside++;
          if (changed) outsideChanged++;
        }
      }
    expect(insideChanged / inside).toBeGreaterThan(0.05);
    expect(outsideChanged / outside).toBeLessThan(0.01);
  }, 180_000);

  it('reuses an unchanged render at once and says so; force renders again', async () => {
    // RenderCompleted is committed by a task listener just after the task succeeds.
    let log = await readEvents(join(studio.home, 'Projects', id));
    for (let i = 0; i < 200 && log.filter((e) => e.type === 'RenderCompleted').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = await readEvents(join(studio.home, 'Projects', id));
    }
    // The engine's own take choices are TakeGenerated, without an actor; the log replays to the graph as it is.
    expect(log.filter((e) => e.type === 'TakeGenerated').map((e) => [e.scene, e.actor, e.payload.node])).toEqual([
      ['SCENE_01', null, 'a'],
      ['SCENE_02', null, 'b'],
    ]);
    const current = (await json('GET', `/api/v1/projects/${id}`)).body.graph as { nodes: unknown[]; edges: unknown[] };
    const rebuilt = replayCanvas(log).graph;
    expect({ nodes: rebuilt.nodes, edges: rebuilt.edges }).toEqual({ nodes: current.nodes, edges: current.edges });
    const before = log.filter((e) => e.type === 'RenderCompleted');
    expect(before.map((e) => e.payload.draft)).toEqual([true, false]);
    // Asked for over REST on loopback: the local user.
    expect(before.map((e) => e.actor?.id)).toEqual(['local', 'local']);

    const ws = await WsProbe.open(studio.base, id);
    try {
      await ws.next('server:full_sync');
      const reused = await render();
      expect(reused.status).toBe(200);
      expect(reused.body).toMatchObject({ reused: true, output: before[1]!.payload.output, task_id: before[1]!.payload.task });
      const success = await ws.next('server:task_success');
      expect(success.result).toMatchObject({ reused: true, take: before[1]!.payload.output });
      const notice = ws.messages.find((m) => m.type === 'server:notice');
      expect(notice?.type === 'server:notice' && notice.message).toMatch(/Nothing changed since the render of .*: reusing Gate_.*\.mp4\. Render again/);

      const draftAgain = await render({ draft: true });
      expect(draftAgain.body).toMatchObject({ reused: true, output: draftOutput });

      const forced = await render({ force: true });
      expect(forced.status).toBe(202);
      expect(forced.body.reused).toBe(false);
      const done = await waitForTask(studio.base, forced.body.task_id as string, undefined, 120_000);
      expect(done.status).toBe('succeeded');
      expect(done.result!.take).not.toBe(before[1]!.payload.output);
    } finally {
      ws.close();
    }
  }, 180_000);
});
