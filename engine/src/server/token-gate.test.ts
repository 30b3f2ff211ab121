import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTokenGate, probeUpgradeGate } from '../testing/hardening/token-gate-matrix.ts';
import { rawTarget } from '../testing/raw-http.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { gatedRoutes } from './token-gate.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobTokens } from '../jobs/stateless/job-token.ts';

const TOKEN = 'gate-test-token-0123456789abcdef';
let app: FastifyInstance;
let cleanup: () => Promise<void>;
let port: number;
const projectId = 'gate';
const runningJobs = new Set<string>();
let jobHome = '';
let jobTokens: JobTokens;

beforeAll(async () => {
  jobHome = await mkdtemp(join(tmpdir(), 'gate-jobs-'));
  jobTokens = new JobTokens(jobHome, async (job) => runningJobs.has(job));
  ({ app, cleanup } = await testApp({ token: TOKEN, jobTokens }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  const created = await app.inject({ method: 'POST', url: '/api/v1/projects', headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: 'Gate' } });
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  await cleanup();
  await rm(jobHome, { recursive: true, force: true });
});

describe('the token gate holds for every route and every spelling of its path', () => {
  it('guards every API route the router knows, and only web routes are open', () => {
    const routes = gatedRoutes(app);
    expect(routes.filter((r) => r.guarded).length).toBeGreaterThan(20);
    for (const r of routes) expect(r.guarded || !r.url.startsWith('/api')).toBe(true);
  });

  it('no route answers without the token: encoded, absolute-form, dot segments and more', async () => {
    const probes = [...(await probeTokenGate(port, gatedRoutes(app), projectId)), ...(await probeUpgradeGate(port, projectId))];
    const reached = probes.filter((p) => p.reached);
    if (reached.length) console.log(JSON.stringify(reached.slice(0, 12)));
    expect(reached).toEqual([]);
    // The forms the router does route (the bypasses of issue 9) were really tried: they met the gate.
    const gated = (form: string) => probes.filter((p) => p.form === form && p.status === 401).length;
    expect(gated('first letter encoded')).toBeGreaterThan(20);
    expect(gated('absolute-form')).toBeGreaterThan(20);
    expect(gated('absolute-form https, userinfo, port')).toBeGreaterThan(20);
    console.log(
      `token gate: ${probes.length} probes (${new Set(probes.map((p) => `${p.method} ${p.route}`)).size} routes x ${new Set(probes.map((p) => p.form)).size} forms), ${probes.filter((p) => p.status === 401).length} met the gate, ${reached.length} reached a handler`,
    );
    const list = await app.inject({ method: 'GET', url: '/api/v1/projects', headers: { authorization: `Bearer ${TOKEN}` } });
    expect((list.json() as Array<{ id: string }>).map((p) => p.id)).toEqual([projectId]);
  });

  it('git routes: a Basic challenge without the token; the token as the Basic password passes', async () => {
    const target = `/git/local/${projectId}.git/info/refs?service=git-upload-pack`;
    const bare = await rawTarget(port, 'GET', target);
    expect(bare.status).toBe(401);
    expect(bare.head).toMatch(/www-authenticate: Basic realm="Studio"/i);
    const wrong = await rawTarget(port, 'GET', target, { authorization: `Basic ${Buffer.from('studio:wrong').toString('base64')}` });
    expect(wrong.status).toBe(401);
    const right = await rawTarget(port, 'GET', target, { authorization: `Basic ${Buffer.from(`studio:${TOKEN}`).toString('base64')}` });
    expect(right.status).toBe(200);
    expect(right.body).toContain('# service=git-upload-pack');
  });

  it("a stateless worker's job token opens its one repository's git routes while its job runs, and nothing else", async () => {
    const target = `/git/local/${projectId}.git/info/refs?service=git-upload-pack`;
    runningJobs.add('gen-77');
    const job = await jobTokens.mint({ job: 'gen-77', project: projectId, tenant: 'local' });
    const bearer = { authorization: `Bearer ${job}` };
    expect((await rawTarget(port, 'GET', target, bearer)).status).toBe(200);
    // Not the REST API, not another project's repository, not another tenant's URL.
    expect((await rawTarget(port, 'GET', `/api/v1/projects/${projectId}`, bearer)).status).toBe(401);
    expect((await rawTarget(port, 'GET', `/git/local/elsewhere.git/info/refs?service=git-upload-pack`, bearer)).status).toBe(401);
    expect((await rawTarget(port, 'GET', `/git/acme/${projectId}.git/info/refs?service=git-upload-pack`, bearer)).status).toBe(401);
    // Its job ended, or another worker took it over: the token is dead.
    runningJobs.delete('gen-77');
    expect((await rawTarget(port, 'GET', target, bearer)).status).toBe(401);
  });

  it('the bypass spellings that route do reach their handler with the token', async () => {
    for (const target of ['/%61pi/v1/projects', 'http://x/api/v1/projects'])
      expect((await rawTarget(port, 'GET', target, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});
