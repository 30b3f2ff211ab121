import { execFileSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authServiceFor } from '../auth/auth-service.ts';
import { projectPath } from '../projects/workspace.ts';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { testSettings } from '../testing/test-settings.ts';
import { readEvents } from './event-log.ts';

const ALICE = { username: 'alice', tenant: 'acme', password: 'alice password' };
const CAROL = { username: 'carol', tenant: 'acme', password: 'carol password' };
const RITA = { username: 'rita', tenant: 'acme', password: 'rita password' };
const BOB = { username: 'bob', tenant: 'beta', password: 'bob password!' };

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let id: string;
const tokens: Record<string, string> = {};

async function call(user: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${tokens[user]}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp({ settings: testSettings({ STUDIO_AUTH: 'users' }) }, { debounceMs: 20, maxWaitMs: 200 }));
  const auth = authServiceFor(ctx);
  for (const user of [ALICE, CAROL, BOB]) await auth.users.add(user);
  await auth.users.add({ ...RITA, scopes: ['projects:read'] });
  for (const user of [ALICE, CAROL, RITA, BOB]) {
    const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: user.username, password: user.password } });
    tokens[user.username] = (res.json() as { access_token: string }).access_token;
  }
  const created = await call('alice', 'POST', '/api/v1/projects', { name: 'Acme review' });
  id = created.body.id as string;
  const graph = { nodes: [{ id: 's1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } }], edges: [] };
  expect((await call('alice', 'PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);
});
afterAll(() => cleanup?.());

describe('review with signed-in users', () => {
  it('names the user who submitted and the one who approved, in the records, the events and the commits', async () => {
    expect((await call('alice', 'POST', `/api/v1/projects/${id}/scenes/SCENE_01/review`, { action: 'submit' })).status).toBe(200);
    const approved = await call('carol', 'POST', `/api/v1/projects/${id}/scenes/SCENE_01/review`, { action: 'approve', note: 'Signed off' });
    expect(approved.status).toBe(200);
    expect(approved.body.scene).toMatchObject({ status: 'approved', note: 'Signed off', updated_by: { kind: 'user', id: 'carol', tenant: 'acme' } });
    const events = (await readEvents(projectPath(ctx.workspace, id))).filter((e) => e.scene === 'SCENE_01');
    expect(events.map((e) => [e.type, e.actor?.id])).toEqual([
      ['SceneSubmittedForReview', 'alice'],
      ['SceneApproved', 'carol'],
    ]);
    const log = execFileSync('git', ['-C', projectPath(ctx.workspace, id), 'log', '-2', '--format=%an <%ae> %s'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(log).toEqual([
      'carol <user.carol@acme.studio> Review: carol approved SCENE_01: Signed off',
      'alice <user.alice@acme.studio> Review: alice submitted SCENE_01',
    ]);
  });

  it('refuses a read-only token and another tenant’s user, and changes nothing', async () => {
    const read = await call('rita', 'POST', `/api/v1/projects/${id}/scenes/SCENE_01/review`, { action: 'reopen' });
    expect(read.status).toBe(403);
    expect((await call('rita', 'GET', `/api/v1/projects/${id}/scenes`)).status).toBe(200);
    const other = await call('bob', 'POST', `/api/v1/projects/${id}/scenes/SCENE_01/review`, { action: 'reopen' });
    expect([403, 404]).toContain(other.status);
    expect((await call('bob', 'GET', `/api/v1/projects/${id}/events`)).status).not.toBe(200);
    expect((await call('alice', 'GET', `/api/v1/projects/${id}/scenes`)).body.scenes).toMatchObject([{ scene: 'SCENE_01', status: 'approved' }]);
  });
});
