import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext } from '../../server/context.ts';
import { testApp } from '../../testing/temp-workspace.ts';
import { makeTake } from '../render/test-media.ts';
import { draftSize } from './draft-previews.ts';

const run = promisify(execFile);
let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const takeOf = (shot: string) => `03_Renders/SCENE_01/${shot}/${shot.replace('_', '-')}_v01_take01.mp4`;
const shot = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene: 'SCENE_01', shot: name, duration: 1, activeTake: takeOf(name), ...extra },
});

describe('the draft preview', () => {
  it('is 384 pixels on its long side, even, at any aspect ratio', () => {
    expect(draftSize('16:9')).toEqual({ width: 384, height: 216 });
    expect(draftSize('9:16')).toEqual({ width: 216, height: 384 });
    expect(draftSize('2.39:1')).toEqual({ width: 384, height: 160 });
  });

  it('renders the cut at low resolution into the cache with progress, to the frame count of the list', async () => {
    const { id } = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Preview' } })).json() as { id: string };
    const graph = {
      nodes: [
        shot('a', 'SHOT_010', { transition: { type: 'dissolve', frames: 6 } }),
        shot('b', 'SHOT_020'),
        { id: 'vse', type: 'vseAssembler', position: { x: 0, y: 0 }, data: { title: 'Draft', fps: '24' } },
      ],
      edges: ['a', 'b'].map((n) => ({ id: `e${n}`, source: n, sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' })),
    };
    const put = await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph, version: 1 } });
    expect(put.statusCode, put.body).toBe(200);
    const dir = join(ctx.workspace.projectsDir, id);
    for (const name of ['SHOT_010', 'SHOT_020']) await makeTake(join(dir, takeOf(name)), { seconds: 1, width: 1280, height: 720 });

    const started = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/preview`, payload: { assembler: 'vse' } });
    expect(started.statusCode, started.body).toBe(202);
    const { id: previewId, state } = started.json() as { id: string; state: string };
    expect(state).toBe('running');
    const seen: number[] = [];
    let status: { state: string; progress: number; output: string | null; url: string | null; frames: number | null; error: string | null };
    for (;;) {
      status = (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/preview/${previewId}` })).json();
      seen.push(status.progress);
      if (status.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status.error).toBeNull();
    expect(status).toMatchObject({ state: 'succeeded', progress: 100, frames: 42 });
    expect(status.output).toMatch(/^05_Cache\/previews\/vse-.+\.mp4$/);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-count_packets',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,nb_read_packets',
      '-of',
      'csv=p=0',
      join(dir, status.output!),
    ]);
    expect(stdout.trim()).toBe('384,216,42');
    expect((await app.inject({ method: 'GET', url: status.url! })).statusCode).toBe(200);
    // Not the final render: nothing in 06_Exports, nothing committed.
    const { stdout: tracked } = await run('git', ['status', '--porcelain', '--ignored', '05_Cache'], { cwd: dir });
    expect(tracked).toMatch(/^!! 05_Cache\//m);
    expect((await app.inject({ method: 'GET', url: `/api/v1/projects/other/preview/${previewId}` })).statusCode).toBe(404);
  }, 240_000);
});
