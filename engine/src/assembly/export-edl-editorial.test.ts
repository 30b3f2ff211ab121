import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectManifest } from '@studio/node-schemas';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { testSettings } from '../testing/test-settings.ts';
import { readEdl } from './edl/index.ts';
import { makeTake } from './render/test-media.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const takeOf = (scene: string, shot: string) => `03_Renders/${scene}/${shot}/${shot.replace('_', '-')}_v01_take01.mp4`;
const shot = (id: string, scene: string, shotName: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene, shot: shotName, duration: 2, activeTake: takeOf(scene, shotName), ...extra },
});
const vse = (extra: Record<string, unknown> = {}) => ({
  id: 'vse',
  type: 'vseAssembler',
  position: { x: 900, y: 0 },
  data: { title: 'Cut', fps: '24', ...extra },
});
const wire = (id: string, source: string) => ({ id, source, sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' });

async function project(name: string, nodes: unknown[], payload: Record<string, unknown> = {}): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name, ...payload } });
  expect(created.statusCode, created.body).toBe(201);
  const { id } = created.json() as { id: string };
  const edges = (nodes as Array<{ id: string; type: string }>).filter((n) => n.type === 'shot').map((n, i) => wire(`e${i}`, n.id));
  const res = await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph: { nodes, edges }, version: 1 } });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

const get = (id: string, query = '') => app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse${query}` });
const check = async (id: string) =>
  (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl/check?assembler=vse` })).json() as {
    frames: number;
    warnings: Array<{ nodeId: string; severity: string; code: string; message: string }>;
  };

describe('the project frame rate', () => {
  it('is chosen at creation (a JSON number or string), saved in project.json, and 24 for old projects', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Fifty', frame_rate: 25 } });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const manifest = JSON.parse(await readFile(join(ctx.workspace.projectsDir, id, 'project.json'), 'utf8')) as { project_settings: { frame_rate: string } };
    expect(manifest.project_settings.frame_rate).toBe('25');
    expect((await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'NTSC', frame_rate: '29.97' } })).statusCode).toBe(201);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Odd', frame_rate: 12 } });
    expect(bad.statusCode).toBe(400);
    const { frame_rate: _, ...oldSettings } = manifest.project_settings as Record<string, unknown>;
    expect(ProjectManifest.parse({ ...manifest, project_settings: oldSettings }).project_settings.frame_rate).toBe('24');
  });
});

describe('exporting the cut', () => {
  it('an fps override decides drop frame: a 29.97 DF assembler exports at 24 and 25 non-drop', async () => {
    const id = await project('DF override', [shot('a', 'SCENE_01', 'SHOT_010'), vse({ fps: '29.97', dropFrame: true })]);
    for (const fps of ['24', '25']) {
      const res = await get(id, `&fps=${fps}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toContain('FCM: NON-DROP FRAME');
    }
    expect((await get(id)).body).toContain('FCM: DROP FRAME');
    expect((await get(id, '&fps=59.94')).body).toContain('FCM: DROP FRAME');
  });

  it('takes frame rates as JSON numbers or strings wherever a rate is', async () => {
    const id = await project('Numbers', [shot('a', 'SCENE_01', 'SHOT_010'), vse()]);
    for (const fps of [25, 29.97, '29.97']) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse', fps } });
      expect(res.statusCode, res.body).toBe(201);
      expect((res.json() as { fps: string }).fps).toBe(String(fps));
    }
    const render = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/render`, payload: { assembler: 'vse', fps: 25 } });
    // This app runs no job queue: what matters is that the rate itself was not refused.
    expect(render.json()).not.toMatchObject({ field: 'fps' });
    expect(render.body).toContain('runs no job queue');
    const bad = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse', fps: 26 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'fps' });
  });

  it('back-to-back dissolves: the canvas total and the list agree, and the shortened dissolve is shown on its shot', async () => {
    // B lasts 36 frames: 30 dissolve in from A, so only 6 are left to give C (it keeps its own dissolve in).
    const id = await project('Back to back', [
      shot('a', 'SCENE_01', 'SHOT_010', { transition: { type: 'dissolve', frames: 30 } }),
      shot('b', 'SCENE_01', 'SHOT_020', { duration: 1.5, transition: { type: 'dissolve', frames: 30 } }),
      shot('c', 'SCENE_01', 'SHOT_030'),
      vse(),
    ]);
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect(res.statusCode, res.body).toBe(201);
    const answer = res.json() as { frames: number; warnings: Array<{ nodeId: string; code: string; message: string }> };
    expect(answer.warnings).toEqual([
      expect.objectContaining({ nodeId: 'b', code: 'DISSOLVE_SHORTENED', message: expect.stringContaining('from 30 to 6 frames') }),
    ]);
    const list = readEdl({ text: (await get(id)).body, rate: '24', strict: true });
    const length = list.events.at(-1)!.recordOut.frames - list.events[0]!.recordIn.frames;
    expect(length).toBe(answer.frames);
    expect(length).toBe(48 + 36 + 48 - 30 - 6);
    const before = await check(id);
    expect(before.frames).toBe(answer.frames);
    expect(before.warnings.map((w) => w.nodeId)).toEqual(['b']);
  });

  it('a long dissolve is shortened with a notice, never silently', async () => {
    const id = await project('Long dissolve', [
      shot('a', 'SCENE_01', 'SHOT_010', { transition: { type: 'dissolve', frames: 600 } }),
      shot('b', 'SCENE_01', 'SHOT_020', { duration: 1.5 }),
      vse(),
    ]);
    const { warnings } = await check(id);
    expect(warnings).toEqual([
      expect.objectContaining({ nodeId: 'a', severity: 'notice', code: 'DISSOLVE_SHORTENED', message: expect.stringContaining('from 600 to 36 frames') }),
    ]);
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect((res.json() as { warnings: unknown[] }).warnings).toHaveLength(1);
  });

  it('refuses trims outside the take, checked against its probed length, before anything is written', async () => {
    const id = await project('Trims', [
      shot('a', 'SCENE_01', 'SHOT_010', { inPoint: 5, outPoint: 1 }),
      shot('b', 'SCENE_01', 'SHOT_020', { duration: 4, outPoint: 3 }),
      vse(),
    ]);
    const dir = join(ctx.workspace.projectsDir, id);
    await makeTake(join(dir, takeOf('SCENE_01', 'SHOT_010')), { seconds: 2, width: 320, height: 180 });
    await makeTake(join(dir, takeOf('SCENE_01', 'SHOT_020')), { seconds: 2, width: 320, height: 180 });
    const { warnings } = await check(id);
    expect(warnings.filter((w) => w.severity === 'error').map((w) => [w.nodeId, w.code])).toEqual([
      ['a', 'TRIM_OUTSIDE_TAKE'],
      ['b', 'TRIM_OUTSIDE_TAKE'],
    ]);
    expect(warnings.find((w) => w.nodeId === 'b' && w.severity === 'error')!.message).toContain('out point 3 s is past the end of the take (2.00 s)');
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'SEQUENCE_PROBLEMS' });
    expect(res.json().error ?? res.json().message).toMatch(/SCENE_01\/SHOT_010: in point 5 s is at or past the end of the take/);
  }, 240_000);

  it('names the download as the saved copy is named', async () => {
    const id = await project('Names', [shot('a', 'SCENE_01', 'SHOT_010'), vse({ title: 'Harbour Cut' })]);
    const download = await get(id);
    const saved = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    const pattern = /^Harbour_Cut_\d{8}T\d{6}\.edl$/;
    expect(/filename="([^"]+)"/.exec(download.headers['content-disposition'] as string)![1]).toMatch(pattern);
    expect((saved.json() as { files: Array<{ path: string }> }).files[0]!.path.split('/').pop()).toMatch(pattern);
  });

  it('says when a take runs at another rate than the list, in the answer and on each event, and conforms it', async () => {
    const id = await project('Rates', [
      shot('a', 'SCENE_01', 'SHOT_010', { transition: { type: 'dissolve', frames: 10 } }),
      shot('b', 'SCENE_01', 'SHOT_020'),
      vse({ fps: '25' }),
    ]);
    const dir = join(ctx.workspace.projectsDir, id);
    await makeTake(join(dir, takeOf('SCENE_01', 'SHOT_010')), { seconds: 2, fps: 24, width: 320, height: 180 });
    await makeTake(join(dir, takeOf('SCENE_01', 'SHOT_020')), { seconds: 2, fps: 24, width: 320, height: 180 });
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect(res.statusCode, res.body).toBe(201);
    const answer = res.json() as { files: Array<{ path: string }>; warnings: Array<{ nodeId: string; code: string }> };
    expect(answer.warnings.map((w) => [w.nodeId, w.code])).toEqual([
      ['a', 'RATE_CONFORMED'],
      ['b', 'RATE_CONFORMED'],
    ]);
    const text = await readFile(join(dir, answer.files[0]!.path), 'utf8');
    expect(text.match(/^\* (FROM |TO )?SOURCE FRAME RATE: 24$/gm)).toHaveLength(3);
    const list = readEdl({ text, rate: '25', strict: true });
    for (const event of list.events) {
      expect(event.sourceRate).toBe('24');
      expect(Number(event.sourceOut.timecode.slice(9))).toBeLessThan(24);
    }
    // 2 s of 24 fps media is 50 frames of a 25 fps list, less the dissolve.
    expect(list.events.at(-1)!.recordOut.frames - list.events[0]!.recordIn.frames).toBe(50 + 50 - 10);
  }, 240_000);
});

describe('/api/v1/health', () => {
  it('names the runner backend RUNNER_BACKEND asks for', async () => {
    const other = await testApp({ settings: testSettings({ RUNNER_BACKEND: 'process' }) });
    try {
      const health = (await other.app.inject({ method: 'GET', url: '/api/v1/health' })).json() as { runner: { backend: string; preference: string } };
      expect(health.runner).toEqual({ backend: 'process', preference: 'process' });
    } finally {
      await other.cleanup();
    }
  });
});
