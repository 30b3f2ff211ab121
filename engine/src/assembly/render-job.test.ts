import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobApp } from '../testing/job-app.ts';
import { generate, waitForTask } from '../testing/project-fixture.ts';
import { approveScenes } from '../testing/review-fixture.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 2 })));
afterAll(() => studio?.close());

const json = (method: string, path: string, body?: unknown) =>
  fetch(`${studio.base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
  );

describe('Render Final Video (engine, worker, ffmpeg renderer)', () => {
  it('renders the cut from its EDL into 06_Exports, to the frame, and makes it the assembler’s last export', async () => {
    const { body: created } = await json('POST', '/api/v1/projects', { name: 'Render' });
    const id = created.id as string;
    const shot = (nodeId: string, shotName: string, extra = {}) => ({
      id: nodeId,
      type: 'shot',
      position: { x: 0, y: 0 },
      data: { scene: 'SCENE_01', shot: shotName, prompt: `shot ${shotName}`, duration: 1, taskType: 'generate-video', ...extra },
    });
    const graph = {
      nodes: [
        shot('a', 'SHOT_010', { transition: { type: 'dissolve', frames: 12 } }),
        shot('b', 'SHOT_020'),
        { id: 'p', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
        { id: 'p2', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
        { id: 'vse', type: 'vseAssembler', position: { x: 0, y: 0 }, data: { title: 'Lighthouse', fps: '24' } },
      ],
      edges: [
        { id: 'e1', source: 'p', sourceHandle: 'pipeline', target: 'a', targetHandle: 'pipeline' },
        { id: 'e2', source: 'p2', sourceHandle: 'pipeline', target: 'b', targetHandle: 'pipeline' },
        { id: 'e3', source: 'a', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
        { id: 'e4', source: 'b', sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' },
      ],
    };
    expect((await json('PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);

    // A final render needs its scenes approved (docs/governance.md#review).
    await approveScenes(studio.base, id);
    // Without takes the render is refused before anything runs, naming the shots.
    const early = await json('POST', `/api/v1/projects/${id}/render`, { assembler: 'vse' });
    expect(early.status).toBe(400);
    expect(early.body.error).toContain('SCENE_01/SHOT_010, SCENE_01/SHOT_020');

    for (const node of ['a', 'b']) expect((await waitForTask(studio.base, await generate(studio.base, id, node), undefined, 120_000)).status).toBe('succeeded');

    const ws = await WsProbe.open(studio.base, id);
    await ws.next('server:full_sync');
    const { status, body } = await json('POST', `/api/v1/projects/${id}/render`, { assembler: 'vse' });
    expect(status).toBe(202);
    const done = await waitForTask(studio.base, body.task_id as string, undefined, 120_000);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const output = done.result!.take;
    expect(output).toMatch(/^06_Exports\/Lighthouse_\d{8}T\d{6}\.mp4$/);
    const frames = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_packets',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        join(studio.home, 'Projects', id, output),
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(Number(frames)).toBe(24 + 24 - 12);
    expect(await readdir(join(studio.home, 'Projects', id, '06_Exports'))).toEqual([output.split('/')[1]]);
    try {
      const patch = await ws.next('server:graph_patch', 30_000);
      expect(patch.edits[0]).toMatchObject({ op: 'update_node', id: 'vse', changes: { data: { lastExport: output } } });
      const success = await ws.next('server:task_success', 10_000);
      expect(success).toMatchObject({ node_id: 'vse', result: { take: output } });
    } finally {
      ws.close();
    }
  });
});
