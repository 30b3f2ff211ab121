import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../testing/temp-workspace.ts';

let app: FastifyInstance;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ app, cleanup } = await testApp());
  for (const name of ['One', 'Two', 'Three', 'Four', 'Five']) {
    expect((await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name } })).statusCode).toBe(201);
  }
  // The newest change moves a project to the front (git times are whole seconds).
  await new Promise((r) => setTimeout(r, 1100));
  expect((await app.inject({ method: 'PATCH', url: '/api/v1/projects/two', payload: { description: 'edited last', version: 1 } })).statusCode).toBe(200);
});
afterAll(() => cleanup());

const list = (query = '') => app.inject({ method: 'GET', url: `/api/v1/projects${query}` });

describe('project list', () => {
  it('pages newest change first, with the total in x-total-count and the counts of each project', async () => {
    const everything = await list();
    expect(everything.headers['x-total-count']).toBe('5');
    const all = everything.json() as Array<{ id: string; updated_at: string; counts: { commits: number; takes: number } }>;
    expect(all.map((p) => p.id).sort()).toEqual(['five', 'four', 'one', 'three', 'two']);
    expect(all[0]!.id).toBe('two');
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.updated_at >= all[i]!.updated_at).toBe(true);
    expect(all.find((p) => p.id === 'one')!.counts).toEqual({ commits: 1, takes: 0 });
    expect(all.find((p) => p.id === 'two')!.counts.commits).toBe(2);

    const ids = (page: { json: () => Array<{ id: string }> }) => page.json().map((p) => p.id);
    expect(ids(await list('?limit=2'))).toEqual(all.slice(0, 2).map((p) => p.id));
    expect(ids(await list('?limit=2&skip=4'))).toEqual([all[4]!.id]);
    expect((await list('?skip=9')).json()).toEqual([]);
  });

  it('refuses a bad page with a 400', async () => {
    for (const query of ['?limit=0', '?limit=many', '?skip=-1', '?limit=5000']) expect((await list(query)).statusCode, query).toBe(400);
  });
});
