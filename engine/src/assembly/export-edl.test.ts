import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { compileSequence } from './compile-sequence.ts';
import { readEdl } from './edl/index.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const shot = (id: string, scene: string, shotName: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene, shot: shotName, duration: 4, activeTake: `03_Renders/${scene}/${shotName}/${shotName.replace('_', '-')}_v01_take01.mp4`, ...extra },
});
const vse = { id: 'vse', type: 'vseAssembler', position: { x: 900, y: 0 }, data: { title: 'Harbour Cut', fps: '24' } };
const wire = (id: string, source: string, target = 'vse', handles = ['output', 'sequence']) => ({
  id,
  source,
  sourceHandle: handles[0]!,
  target,
  targetHandle: handles[1]!,
});

async function project(name: string, graph: unknown) {
  const { id } = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name } })).json() as { id: string };
  const res = await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph, version: 1 } });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

describe('compiling the cut to an EDL', () => {
  it('orders shots by scene then shot number, uses post-chain takes, and writes dissolves in the D form', async () => {
    const graph = {
      nodes: [
        shot('b', 'SCENE_02', 'SHOT_010'),
        shot('a2', 'SCENE_01', 'SHOT_020', { transition: { type: 'dissolve', frames: 12 } }),
        shot('a1', 'SCENE_01', 'SHOT_010', { inPoint: 0.5, outPoint: 3.5 }),
        { id: 'vr', type: 'videoRestoration', position: { x: 0, y: 0 }, data: { activeTake: '03_Renders/SCENE_02/SHOT_010/SHOT-010_VR_v01_take01.mp4' } },
        vse,
      ],
      edges: [wire('e1', 'b', 'vr', ['output', 'input']), wire('e2', 'vr'), wire('e3', 'a2'), wire('e4', 'a1')],
    };
    const id = await project('Harbour', graph);
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/filename="Harbour_Cut_\d{8}T\d{6}\.edl"/);
    const list = readEdl({ text: res.body, rate: '24' });
    expect(list.title).toBe('Harbour Cut');
    expect(list.fcm).toBe('NON-DROP FRAME');
    const video = list.events.filter((e) => e.channels === 'V');
    expect(video.map((e) => e.sourceFile)).toEqual([
      '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.mp4',
      '03_Renders/SCENE_01/SHOT_020/SHOT-020_v01_take01.mp4',
      // The dissolve: the outgoing clip's zero-length cut, then the incoming clip's D event.
      '03_Renders/SCENE_01/SHOT_020/SHOT-020_v01_take01.mp4',
      '03_Renders/SCENE_02/SHOT_010/SHOT-010_VR_v01_take01.mp4',
    ]);
    expect(video[0]!.sourceIn.frames).toBe(12);
    expect(video[0]!.recordIn.timecode).toBe('01:00:00:00');
    const dissolve = video.find((e) => e.transition.type === 'D')!;
    expect(dissolve.transition.duration).toBe(12);
    expect(res.body).toMatch(/^\d{3}  \S+\s+V\s+D\s+012 /m);
    // 3 s + 4 s + 4 s, less the 12-frame dissolve.
    const compiled = compileSequence({ graph: (await ctx.rooms.get(id)).graph(), assemblerId: 'vse' });
    expect(compiled.frames).toBe(72 + 96 + 96 - 12);
  });

  it('takes overrides: frame rate, drop frame, record start and title', async () => {
    const id = await project('Overrides', { nodes: [shot('a', 'SCENE_01', 'SHOT_010'), vse], edges: [wire('e', 'a')] });
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/projects/${id}/edl?assembler=vse&fps=29.97&drop_frame=true&record_start=00:59:58:00&title=Broadcast`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('TITLE: Broadcast');
    expect(res.body).toContain('FCM: DROP FRAME');
    expect(res.body).toContain('00:59:58;00');
    const bad = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse&fps=23.98` });
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse&fps=24&drop_frame=true` })).statusCode).toBe(400);
  });

  it('names the shots that lack an active take before anything is written', async () => {
    const id = await project('Missing', {
      nodes: [shot('a', 'SCENE_01', 'SHOT_010'), shot('b', 'SCENE_01', 'SHOT_020', { activeTake: null }), vse],
      edges: [wire('e1', 'a'), wire('e2', 'b')],
    });
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'MISSING_TAKES', missing: [{ nodeId: 'b', name: 'SCENE_01/SHOT_020' }] });
  });

  it('Export EDL saves the list under 04_Project_Files/EDLs, commits it and offers it for download', async () => {
    const id = await project('Export', {
      nodes: [shot('a', 'SCENE_01', 'SHOT_010'), shot('b', 'SCENE_01', 'SHOT_020'), vse],
      edges: [wire('e1', 'a'), wire('e2', 'b')],
    });
    const res = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/edl`, payload: { assembler: 'vse' } });
    expect(res.statusCode, res.body).toBe(201);
    const { files } = res.json() as { files: Array<{ path: string; url: string }> };
    expect(files[0]!.path).toMatch(/^04_Project_Files\/EDLs\/Harbour_Cut_\d{8}T\d{6}\.edl$/);
    const dir = join(ctx.workspace.projectsDir, id);
    const text = await readFile(join(dir, files[0]!.path), 'utf8');
    expect(readEdl({ text, rate: '24' }).events).toHaveLength(2);
    expect(execFileSync('git', ['log', '-1', '--format=%s'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('Export EDL: Harbour Cut (2 shots, 8.0 s, 24 fps)');
    const download = await app.inject({ method: 'GET', url: files[0]!.url });
    expect(download.body).toBe(text);
  });

  it('splits a cut of over 999 events into numbered lists', async () => {
    const nodes = [
      vse,
      ...Array.from({ length: 1200 }, (_, i) =>
        shot(`s${i}`, `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`, `SHOT_${String(10 * (1 + (i % 100))).padStart(3, '0')}`, { duration: 1 }),
      ),
    ];
    const edges = nodes.slice(1).map((n, i) => wire(`e${i}`, n.id));
    const id = await project('Long cut', { nodes, edges });
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse&part=2` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-edl-parts']).toBe('2');
    expect(res.body).toContain('TITLE: Harbour Cut (2 of 2)');
    expect(readEdl({ text: res.body, rate: '24' }).events).toHaveLength(201);
  });
});
