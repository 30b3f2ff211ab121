import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../testing/temp-workspace.ts';
import type { EngineContext } from '../context.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let id: string;
const folder = '03_Renders/SCENE_01/SHOT_010';
const take = (n: number) => `${folder}/SHOT-010_v01_take${String(n).padStart(2, '0')}.png`;

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp());
  id = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Many Takes' } })).json().id;
  const graph = {
    nodes: [
      { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'surf' } },
      { id: 'pipe-1', type: 'pipeline', position: { x: -250, y: 0 }, data: { pipelineId: 'draft-image' } },
    ],
    edges: [],
  };
  expect((await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph, version: 1 } })).statusCode).toBe(200);
  const dir = join(ctx.workspace.projectsDir, id);
  await mkdir(join(dir, folder), { recursive: true });
  for (let n = 1; n <= 120; n++) {
    await writeFile(join(dir, take(n)), 'png');
    await writeFile(join(dir, take(n).replace(/\.png$/, '.json')), '{}');
  }
});
afterAll(() => cleanup());

const get = (query: string) => app.inject({ method: 'GET', url: `/api/v1/projects/${id}/takes${query}` });

describe('takes API', () => {
  it("pages a node's takes newest first, each page older than the last", async () => {
    const first = (await get('?node=shot-1&limit=50')).json();
    expect(first.total).toBe(120);
    expect(first.takes).toHaveLength(50);
    expect(first.takes[0]).toBe(take(120));
    expect(first.takes[49]).toBe(take(71));
    expect(first.next_before).toBe(71);

    const second = (await get(`?node=shot-1&limit=50&before=${first.next_before}`)).json();
    expect(second.takes[0]).toBe(take(70));
    const third = (await get(`?node=shot-1&limit=50&before=${second.next_before}`)).json();
    expect(third.takes).toEqual(Array.from({ length: 20 }, (_, i) => take(20 - i)));
    expect(third.next_before).toBeNull();
  });

  it("still lists every node's takes oldest first without a query, or each node's newest few with a limit", async () => {
    const all = (await get('')).json();
    expect(all['shot-1']).toHaveLength(120);
    expect(all['shot-1'][0]).toBe(take(1));
    expect((await get('?limit=3')).json()).toEqual({ 'shot-1': [take(120), take(119), take(118)] });
  });

  it('refuses a bad page with a 400 that names the problem', async () => {
    for (const query of ['?node=shot-1&limit=0', '?node=shot-1&limit=lots', '?node=shot-1&before=-2', '?node=pipe-1', '?node=nope']) {
      const res = await get(query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error, query).toBeTruthy();
    }
  });
});
