import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authServiceFor } from '../auth/auth-service.ts';
import { jobApp } from '../testing/job-app.ts';
import { testSettings } from '../testing/test-settings.ts';

const run = promisify(execFile);
let studio: Awaited<ReturnType<typeof jobApp>>;
const bearer: Record<string, Record<string, string>> = {};

async function call(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${studio.base}${path}`, {
    method,
    headers: { ...bearer[who], ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  studio = await jobApp({ settings: testSettings({ STUDIO_AUTH: 'users' }) });
  const users = authServiceFor(studio.ctx).users;
  await users.add({ username: 'alice', tenant: 'acme', password: 'alice password' });
  await users.add({ username: 'bob', tenant: 'beta', password: 'bob password!' });
  for (const [name, password] of [
    ['alice', 'alice password'],
    ['bob', 'bob password!'],
  ] as const) {
    const res = await fetch(`${studio.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password }),
    });
    bearer[name] = { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
  }
});
afterAll(() => studio?.close());

describe('multi-user mode: generation jobs', () => {
  it("a take generated through alice's token is committed in her name; bob can neither start, read nor cancel her task", async () => {
    const created = await call('alice', 'POST', '/api/v1/projects', { name: 'Acme Jobs' });
    expect(created.status).toBe(201);
    const id = created.json().id as string;
    const graph = {
      nodes: [
        { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse' } },
        { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'test-noop' } },
      ],
      edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
    };
    expect((await call('alice', 'PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);

    const refused = await call('bob', 'POST', '/api/v1/tasks/generate_shot', { project_id: id, node_id: 'shot-1' });
    expect(refused.status).toBe(404);
    expect(refused.json()).toMatchObject({ code: 'PROJECT_NOT_FOUND' });

    const submitted = await call('alice', 'POST', '/api/v1/tasks/generate_shot', { project_id: id, node_id: 'shot-1' });
    expect(submitted.status).toBe(202);
    const taskId = submitted.json().task_id as string;
    const theirs = await call('bob', 'GET', `/api/v1/tasks/${taskId}`);
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain('Acme');
    expect((await call('bob', 'POST', `/api/v1/tasks/${taskId}/cancel`)).status).toBe(404);

    let status: Record<string, unknown> = {};
    for (let i = 0; i < 200 && !['succeeded', 'failed', 'cancelled'].includes(status.status as string); i++) {
      status = (await call('alice', 'GET', `/api/v1/tasks/${taskId}`)).json();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toMatchObject({ status: 'succeeded', project_id: id });
    const { stdout } = await run('git', ['log', '--format=%an <%ae>|%s'], { cwd: join(studio.ctx.workspace.projectsDir, id) });
    const log = stdout.trim().split('\n');
    // The job carried alice from her request: its ledger line is committed in her name.
    expect(log.find((l) => l.includes('|Ledger: generation'))).toMatch(/^alice <user\.alice@acme\.studio>\|/);
    expect(log.filter((l) => l.startsWith('alice <user.alice@acme.studio>|')).map((l) => l.split('|')[1]!.split(':')[0])).toEqual(
      expect.arrayContaining(['Create project', 'Save canvas', 'Ledger']),
    );
    // Nothing in her project is authored by another tenant's user.
    expect(log.some((l) => /@beta\.studio>/.test(l))).toBe(false);
  });
});

describe('multi-user mode: the workers list', () => {
  it("shows every worker's load, but another tenant's job only as another-tenant", async () => {
    const created = await call('alice', 'POST', '/api/v1/projects', { name: 'Acme Slow' });
    const id = created.json().id as string;
    const graph = {
      nodes: [
        { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a slow pan' } },
        { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'test-slow' } },
      ],
      edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
    };
    expect((await call('alice', 'PUT', `/api/v1/projects/${id}`, { graph, version: 1 })).status).toBe(200);
    const taskId = (await call('alice', 'POST', '/api/v1/tasks/generate_shot', { project_id: id, node_id: 'shot-1' })).json().task_id as string;
    const jobsSeenBy = async (who: string) =>
      ((await call(who, 'GET', '/api/v1/workers')).json() as unknown as Array<{ cpuJobs: string[] }>).flatMap((w) => w.cpuJobs);
    await expect.poll(() => jobsSeenBy('alice'), { timeout: 30_000 }).toContain(taskId);
    const bobs = await jobsSeenBy('bob');
    expect(bobs).toContain('another-tenant');
    expect(bobs).not.toContain(taskId);
    await call('alice', 'POST', `/api/v1/tasks/${taskId}/cancel`);
  });
});
