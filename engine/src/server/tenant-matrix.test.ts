import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { SignJWT } from 'jose';
import { PROTOCOL_VERSION, type Actor, type LibraryTrainingEvent } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../auth/access-token.ts';
import { authServiceFor } from '../auth/auth-service.ts';
import { REPO_ROOT } from '../config.ts';
import { createProject } from '../projects/create-project.ts';
import { readLog } from '../projects/git.ts';
import { projectPath } from '../projects/workspace.ts';
import { probeTokenGate, probeUpgradeGate } from '../testing/hardening/token-gate-matrix.ts';
import { rawTarget, UPGRADE_HEADERS } from '../testing/raw-http.ts';
import { tempWorkspace, testApp } from '../testing/temp-workspace.ts';
import { assetSystem, type AssetSystem } from '../assets/asset-system.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { RoomRegistry } from '../sync/room-registry.ts';
import { testSettings } from '../testing/test-settings.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import type { EngineContext } from './context.ts';
import { gatedRoutes, type GatedRoute } from './token-gate.ts';

const run = promisify(execFile);

/** Words only acme's project holds (title, description, a file): no answer to anyone else may contain them. */
const MARK = 'ACME-SECRET-7f3a';
const ALICE = { username: 'alice', tenant: 'acme', password: 'alice password' };
const BOB = { username: 'bob', tenant: 'beta', password: 'bob password!' };
const READER = { username: 'rita', tenant: 'acme', password: 'rita password' };

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let port: number;
let base: string;
let acme: { id: string; uuid: string };
let beta: { id: string; uuid: string };
let assets: AssetSystem;
/** Acme's asset (its name holds MARK) and beta's own. */
let acmeAsset: string;
let betaAsset: string;
let tokens: Record<'alice' | 'bob' | 'reader' | 'expired' | 'wrongKey' | 'unknownKid', string>;

async function tokenOf(user: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: user.username, password: user.password } });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { access_token: string; token_type: string; expires_in: number };
  expect(body).toMatchObject({ token_type: 'bearer', expires_in: ctx.settings.tokenTtlS });
  return body.access_token;
}

beforeAll(async () => {
  // The app with an asset library (one per tenant), on a workspace it shares with its rooms.
  const home = await tempWorkspace();
  const queue = new GitQueue();
  assets = assetSystem({
    workspace: home.workspace,
    queue,
    templatesDir: join(REPO_ROOT, 'templates'),
    catalogue: new PipelineCatalogue([]),
    backends: [],
    redis: {},
  }).system;
  const built = await testApp({
    settings: testSettings({ STUDIO_AUTH: 'users' }),
    workspace: home.workspace,
    queue,
    rooms: new RoomRegistry(home.workspace, queue, { debounceMs: 20, maxWaitMs: 200 }),
    assets,
  });
  ({ app, ctx } = built);
  cleanup = async () => {
    assets.hub.close();
    await built.cleanup();
    await home.cleanup();
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  const auth = authServiceFor(ctx);
  await auth.users.add(ALICE);
  await auth.users.add(BOB);
  await auth.users.add({ ...READER, scopes: ['projects:read'] });
  const actor = (u: { username: string; tenant: string }): Actor => ({ kind: 'user', id: u.username, name: u.username, tenant: u.tenant });
  const make = async (name: string, tenant: string, by: Actor) => {
    const made = await createProject({
      workspace: ctx.workspace,
      templatesDir: join(REPO_ROOT, 'templates'),
      request: { name, description: tenant === 'acme' ? `about ${MARK}` : 'beta things' },
      tenant,
      actor: by,
    });
    return { id: made.id, uuid: made.manifest.uuid };
  };
  acme = await make(`Acme ${MARK}`, 'acme', actor(ALICE));
  beta = await make('Beta film', 'beta', actor(BOB));
  await writeFile(join(projectPath(ctx.workspace, acme.id), '01_Assets', 'note.txt'), `${MARK} in a file`);
  const signed = { alice: await tokenOf(ALICE), bob: await tokenOf(BOB), reader: await tokenOf(READER) };
  const createAsset = async (token: string, name: string, trigger: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/assets',
      headers: { authorization: `Bearer ${token}` },
      payload: { name, kind: 'character', trigger_word: trigger, description: name },
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  acmeAsset = await createAsset(signed.alice, `Kira ${MARK}`, 'kira');
  // The same trigger word in another tenant's library: each library is its own.
  betaAsset = await createAsset(signed.bob, 'Bert', 'kira');
  const keyring = authServiceFor(ctx).keyring;
  const aliceSubject = { username: 'alice', tenant: 'acme', scopes: ['projects:read', 'projects:write'] as const };
  const expired = (await signAccessToken({ keyring, subject: aliceSubject, ttlS: 60, expiresAt: Math.floor(Date.now() / 1000) - 10 })).token;
  const forge = (kid: string, secret: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ tenant: 'acme', scope: 'projects:read projects:write' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setIssuer('studio-engine')
      .setAudience('studio')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setJti('forged')
      .sign(secret);
  tokens = {
    ...signed,
    expired,
    wrongKey: await forge(keyring.current().kid, new Uint8Array(32).fill(9)),
    unknownKid: await forge('k-not-in-the-ring', keyring.current().secret),
  };
});
afterAll(() => cleanup());

/** A concrete target for a route pattern: acme's project, a task, a file, acme's git repository. */
function targetOf(route: GatedRoute, projectId = acme.id): string {
  return route.url
    .replace(':tenant', 'acme')
    .replace(':repo', `${projectId}.git`)
    .replace(':id', route.url.startsWith('/api/v1/projects/') ? projectId : route.url.startsWith('/api/v1/assets/') ? acmeAsset : 'gen_x')
    .replace(/:[A-Za-z]+/g, 'x')
    .replace('*', '01_Assets/note.txt');
}

async function send(route: GatedRoute, headers: Record<string, string>, projectId = acme.id, url = targetOf(route, projectId)) {
  const payload = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method)
    ? { name: 'Probe', version: 1, graph: { nodes: [], edges: [] }, project_id: projectId, node_id: 'shot-1' }
    : undefined;
  const res = await app.inject({ method: route.method as 'GET', url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

const leaks = (body: string) => body.includes(MARK) || body.includes(acme.uuid);

describe('multi-user mode: every route, every kind of bad credential, 0 leaks', () => {
  it('only the sign-in routes are open; every /api and /git route is guarded', () => {
    const open = gatedRoutes(app)
      .filter((r) => !r.guarded)
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(open).toEqual(['DELETE /auth/session', 'GET /auth/mode', 'HEAD /auth/mode', 'POST /auth/session', 'POST /auth/token']);
    expect(gatedRoutes(app).filter((r) => r.guarded).length).toBeGreaterThan(25);
    // The asset library's routes are in the matrix too.
    const guarded = gatedRoutes(app)
      .filter((r) => r.guarded)
      .map((r) => `${r.method} ${r.url}`);
    for (const route of ['GET /api/v1/assets', 'POST /api/v1/assets', 'GET /api/v1/assets/:id', 'PATCH /api/v1/assets/:id', 'DELETE /api/v1/assets/:id'])
      expect(guarded).toContain(route);
    expect(guarded.filter((r) => r.includes('/api/v1/assets/:id/')).length).toBeGreaterThanOrEqual(6);
  });

  it('the right user reads her project: the marks are there to be found', async () => {
    const auth = { authorization: `Bearer ${tokens.alice}` };
    const detail = await app.inject({ method: 'GET', url: `/api/v1/projects/${acme.id}`, headers: auth });
    expect(detail.statusCode).toBe(200);
    expect(leaks(detail.body)).toBe(true);
    const file = await app.inject({ method: 'GET', url: `/api/v1/projects/${acme.id}/files/01_Assets/note.txt`, headers: auth });
    expect(file.statusCode).toBe(200);
    expect(file.body).toContain(MARK);
  });

  it('no token, a wrong token, a foreign key, an unknown kid, an expired token: 401 on every guarded route, nothing of the project', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no token', {}, 'UNAUTHORIZED'],
      ['garbage token', { authorization: 'Bearer not-a-token' }, 'UNAUTHORIZED'],
      ['signed with another key', { authorization: `Bearer ${tokens.wrongKey}` }, 'UNAUTHORIZED'],
      ['unknown kid', { authorization: `Bearer ${tokens.unknownKid}` }, 'UNAUTHORIZED'],
      ['expired', { authorization: `Bearer ${tokens.expired}` }, 'TOKEN_EXPIRED'],
      ['expired, in the cookie', { cookie: `studio_session=${tokens.expired}` }, 'TOKEN_EXPIRED'],
      ['garbage Basic', { authorization: `Basic ${Buffer.from('alice:wrong password').toString('base64')}` }, ''],
      ['Basic with another user than the token', { authorization: `Basic ${Buffer.from(`bob:${tokens.alice}`).toString('base64')}` }, 'UNAUTHORIZED'],
    ];
    const failures: string[] = [];
    let probes = 0;
    for (const route of gatedRoutes(app).filter((r) => r.guarded)) {
      for (const [name, headers, code] of cases) {
        const res = await send(route, headers);
        probes++;
        const git = route.url.startsWith('/git/');
        // A wrong password is INVALID_CREDENTIALS on the git routes (which take passwords), UNAUTHORIZED elsewhere.
        const expected = code || (git ? 'INVALID_CREDENTIALS' : 'UNAUTHORIZED');
        // After five wrong passwords the username and address are refused for a while (429 TOO_MANY_ATTEMPTS).
        const limited = git && !code && res.status === 429;
        const status = limited ? 401 : res.status;
        const bodyOk = route.method === 'HEAD' ? res.body === '' : res.body.includes(`"${limited ? 'TOO_MANY_ATTEMPTS' : expected}"`);
        if (status !== 401 || !bodyOk || leaks(res.body)) failures.push(`${name}: ${route.method} ${route.url} -> ${res.status} ${res.body.slice(0, 120)}`);
        if (git && !String(res.headers['www-authenticate'] ?? '').startsWith('Basic '))
          failures.push(`${name}: ${route.method} ${route.url}: no Basic challenge`);
      }
    }
    expect(failures).toEqual([]);
    console.log(`tenant matrix: ${probes} probes with bad credentials, 0 answered`);
  });

  it("another tenant's valid token: no project-scoped route answers, no body holds acme's data", async () => {
    const failures: string[] = [];
    for (const route of gatedRoutes(app).filter((r) => r.guarded)) {
      const res = await send(route, { authorization: `Bearer ${tokens.bob}` });
      const projectScoped = route.url.startsWith('/api/v1/projects/:id') || route.url.startsWith('/git/') || route.url.startsWith('/api/v1/assets/:id');
      if (leaks(res.body)) failures.push(`leak: ${route.method} ${route.url} -> ${res.status}`);
      if (projectScoped && res.status < 400) failures.push(`answered: ${route.method} ${route.url} -> ${res.status}`);
      if (projectScoped && res.status !== 404) failures.push(`not a 404: ${route.method} ${route.url} -> ${res.status} ${res.body.slice(0, 100)}`);
      // Git, with bob's own Basic password: the same.
      if (route.url.startsWith('/git/')) {
        const basic = await send(route, { authorization: `Basic ${Buffer.from(`bob:${BOB.password}`).toString('base64')}` });
        if (basic.status !== 404 || leaks(basic.body)) failures.push(`basic: ${route.method} ${route.url} -> ${basic.status}`);
      }
    }
    expect(failures).toEqual([]);
    // The list: each tenant sees its own projects only.
    const listOf = async (token: string) =>
      ((await app.inject({ method: 'GET', url: '/api/v1/projects', headers: { authorization: `Bearer ${token}` } })).json() as Array<{ id: string }>).map(
        (p) => p.id,
      );
    expect(await listOf(tokens.bob)).toEqual([beta.id]);
    expect(await listOf(tokens.alice)).toEqual([acme.id]);
    // Who is signed in.
    const session = await app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { authorization: `Bearer ${tokens.bob}` } });
    expect(session.json()).toMatchObject({ mode: 'users', actor: { kind: 'user', id: 'bob', tenant: 'beta' }, scopes: ['projects:read', 'projects:write'] });
    // Another tenant's project answers exactly as one that does not exist.
    const theirs = await app.inject({ method: 'GET', url: `/api/v1/projects/${acme.id}`, headers: { authorization: `Bearer ${tokens.bob}` } });
    const none = await app.inject({ method: 'GET', url: `/api/v1/projects/no-such-${acme.id}`, headers: { authorization: `Bearer ${tokens.bob}` } });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toEqual({ ...none.json(), error: `no project '${acme.id}'`, id: acme.id });
    // Bob's own project is his.
    const own = await app.inject({ method: 'GET', url: `/api/v1/projects/${beta.id}`, headers: { authorization: `Bearer ${tokens.bob}` } });
    expect(own.statusCode).toBe(200);
  });

  it("a generation or a task of another tenant's project is refused; a read-only token reads and cannot write", async () => {
    const gen = await app.inject({
      method: 'POST',
      url: '/api/v1/tasks/generate_shot',
      headers: { authorization: `Bearer ${tokens.bob}` },
      payload: { project_id: acme.id, node_id: 'shot-1' },
    });
    expect(gen.statusCode).toBe(404);
    expect(gen.json()).toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    const reader = { authorization: `Bearer ${tokens.reader}` };
    expect((await app.inject({ method: 'GET', url: `/api/v1/projects/${acme.id}`, headers: reader })).statusCode).toBe(200);
    const write = await app.inject({ method: 'PATCH', url: `/api/v1/projects/${acme.id}`, headers: reader, payload: { description: 'changed' } });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ code: 'FORBIDDEN', scope: 'projects:write' });
  });

  it('no bypass spelling of any guarded path or the WebSocket reaches a handler without a token', async () => {
    const probes = [...(await probeTokenGate(port, gatedRoutes(app), acme.id)), ...(await probeUpgradeGate(port, acme.id))];
    const reached = probes.filter((p) => p.reached);
    if (reached.length) console.log(JSON.stringify(reached.slice(0, 12)));
    expect(reached).toEqual([]);
    expect(probes.filter((p) => p.status === 401).length).toBeGreaterThan(200);
  });
});

describe('multi-user mode: the WebSocket', () => {
  const upgrade = (projectId: string, headers: Record<string, string> = {}, query = '') =>
    rawTarget(port, 'GET', `/ws/${projectId}?protocol=${PROTOCOL_VERSION}${query}`, { ...UPGRADE_HEADERS, ...headers });

  it('refuses the upgrade without a valid token (none, wrong, foreign key, unknown kid, expired)', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${tokens.wrongKey}` },
      { authorization: `Bearer ${tokens.unknownKid}` },
      { cookie: `studio_session=${tokens.expired}` },
    ])
      expect((await upgrade(acme.id, headers)).status).toBe(401);
    expect((await upgrade(acme.id, {}, `&token=${tokens.expired}`)).status).toBe(401);
  });

  it("another tenant's project closes exactly like a missing one, before any of it is sent", async () => {
    const theirs = await WsProbe.open(base, acme.id, { token: tokens.bob });
    const closed = await theirs.closedWith();
    const missing = await WsProbe.open(base, 'no-such-project', { token: tokens.bob });
    const missingClosed = await missing.closedWith();
    expect(closed.code).toBe(missingClosed.code);
    expect(closed.reason).toBe(`no project '${acme.id}'`);
    expect(theirs.messages).toEqual([]);
  });

  it("every commit made through a user's token names that user: canvas edits over the WebSocket, by two users of one tenant", async () => {
    const alice = await WsProbe.open(base, acme.id, { token: tokens.alice });
    await alice.next('server:welcome');
    alice.send({
      type: 'client:graph_edit',
      clientClock: 1,
      edits: [{ op: 'add_node', node: { id: 'shot-a', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } } }],
    });
    await alice.next('server:ack');
    const dir = projectPath(ctx.workspace, acme.id);
    const authored = async (id: string) => {
      for (let i = 0; i < 100; i++) {
        const log = await readLog(dir, { limit: 5 });
        const hit = log.find((e) => e.actor?.id === id);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      return null;
    };
    expect((await authored('alice'))?.actor).toEqual({ kind: 'user', id: 'alice', name: 'alice', tenant: 'acme' });
    alice.socket.close();
    // The creator of the project is named on its first commit too.
    const first = (await readLog(dir, { limit: 50 })).at(-1)!;
    expect(first.actor).toMatchObject({ kind: 'user', id: 'alice', tenant: 'acme' });
    // A REST change names its user too: the commit that changes project.json after the PATCH.
    const lastOfManifest = async () => (await run('git', ['log', '-1', '--format=%H %an <%ae>', '--', 'project.json'], { cwd: dir })).stdout.trim();
    const createdBy = await lastOfManifest();
    const auth = { authorization: `Bearer ${tokens.alice}` };
    const { version } = (await app.inject({ method: 'GET', url: `/api/v1/projects/${acme.id}`, headers: auth })).json() as { version: number };
    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${acme.id}`,
      headers: auth,
      payload: { version, description: `about ${MARK}, patched` },
    });
    expect(patched.statusCode).toBe(200);
    await expect.poll(lastOfManifest, { timeout: 10_000 }).not.toBe(createdBy);
    expect((await lastOfManifest()).split(' ').slice(1).join(' ')).toBe('alice <user.alice@acme.studio>');
    // A read-only token watches the canvas and cannot change it.
    const rita = await WsProbe.open(base, acme.id, { token: tokens.reader });
    await rita.next('server:welcome');
    rita.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'remove_node', id: 'shot-a' }] });
    expect((await rita.next('server:reject')).reason).toMatch(/read-only/);
    rita.socket.close();
  });
});

describe('multi-user mode: the asset library is per tenant', () => {
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const listOf = async (token: string) =>
    ((await app.inject({ method: 'GET', url: '/api/v1/assets', headers: as(token) })).json() as { assets: Array<{ id: string }> }).assets.map((a) => a.id);

  it('each tenant lists only its own library, kept in a repository of its own; the single-user library is untouched', async () => {
    expect(await listOf(tokens.alice)).toEqual([acmeAsset]);
    expect(await listOf(tokens.reader)).toEqual([acmeAsset]);
    expect(await listOf(tokens.bob)).toEqual([betaAsset]);
    const home = ctx.workspace.home;
    expect(existsSync(join(home, 'Library/Tenants/acme/Generative_Assets', acmeAsset, 'asset.json'))).toBe(true);
    expect(existsSync(join(home, 'Library/Tenants/beta/Generative_Assets', betaAsset, 'asset.json'))).toBe(true);
    expect(existsSync(join(home, 'Library/Tenants/beta/Generative_Assets', acmeAsset))).toBe(false);
    expect(existsSync(join(home, 'Library/Tenants/acme/Generative_Assets/.git'))).toBe(true);
    expect(existsSync(join(home, 'Library/Generative_Assets', acmeAsset))).toBe(false);
  });

  it("another tenant's asset answers every asset route exactly as a missing one, and stays as it was", async () => {
    const missing = 'ast-0000000000';
    const failures: string[] = [];
    for (const route of gatedRoutes(app).filter((r) => r.guarded && r.url.startsWith('/api/v1/assets/:id'))) {
      const theirs = await send(route, as(tokens.bob));
      const none = await send(route, as(tokens.bob), acme.id, targetOf(route).replace(acmeAsset, missing));
      const normal = (body: string, id: string) => body.replaceAll(id, '<id>');
      if (theirs.status !== 404) failures.push(`not a 404: ${route.method} ${route.url} -> ${theirs.status} ${theirs.body.slice(0, 100)}`);
      if (route.method !== 'HEAD' && normal(theirs.body, acmeAsset) !== normal(none.body, missing))
        failures.push(`unlike a missing one: ${route.method} ${route.url}: ${theirs.body.slice(0, 100)} / ${none.body.slice(0, 100)}`);
      if (leaks(theirs.body)) failures.push(`leak: ${route.method} ${route.url}`);
    }
    expect(failures).toEqual([]);
    const own = await app.inject({ method: 'GET', url: `/api/v1/assets/${acmeAsset}`, headers: as(tokens.alice) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: acmeAsset, name: `Kira ${MARK}`, trigger_word: 'kira' });
    expect(await listOf(tokens.alice)).toEqual([acmeAsset]);
  });

  it("/ws/library: training events of one tenant's assets reach that tenant's watchers only, late joiners included", async () => {
    const watch = async (token: string | null) => {
      const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/library${token ? `?token=${token}` : ''}`);
      const messages: LibraryTrainingEvent[] = [];
      socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as LibraryTrainingEvent));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const seen = (taskId: string) => expect.poll(() => messages.some((m) => m.task_id === taskId), { timeout: 10_000 }).toBe(true);
      return { socket, messages, seen };
    };
    await expect(watch(null)).rejects.toThrow(/401/);
    await expect(watch(tokens.expired)).rejects.toThrow(/401/);
    const alice = await watch(tokens.alice);
    const bob = await watch(tokens.bob);
    const event = (task: string, asset: string): LibraryTrainingEvent => ({
      type: 'library:training',
      task_id: task,
      asset_id: asset,
      state: 'running',
      step: task,
    });
    assets.hub.broadcast(event('train-acme-1', acmeAsset));
    assets.hub.broadcast(event('train-beta-1', betaAsset));
    assets.hub.broadcast(event('train-acme-2', acmeAsset));
    assets.hub.broadcast(event('train-beta-2', betaAsset));
    // Each socket's messages arrive in order: once its last one is in, any leaked one would be too.
    await alice.seen('train-acme-2');
    await bob.seen('train-beta-2');
    expect(alice.messages.map((m) => m.task_id)).toEqual(['train-acme-1', 'train-acme-2']);
    expect(bob.messages.map((m) => m.task_id)).toEqual(['train-beta-1', 'train-beta-2']);
    // A watcher who joins later is told the latest state of its own tenant's tasks only.
    const rita = await watch(tokens.reader);
    assets.hub.broadcast(event('train-acme-3', acmeAsset));
    await rita.seen('train-acme-3');
    expect(rita.messages.map((m) => m.task_id).sort()).toEqual(['train-acme-1', 'train-acme-2', 'train-acme-3']);
    expect(JSON.stringify(bob.messages)).not.toContain(acmeAsset);
    for (const w of [alice, bob, rita]) w.socket.close();
    // As a project's socket, a library socket ends with its token (the client signs in again).
    const keyring = authServiceFor(ctx).keyring;
    const soon = await signAccessToken({
      keyring,
      subject: { username: 'alice', tenant: 'acme', scopes: ['projects:read', 'projects:write'] },
      ttlS: 60,
      expiresAt: Math.floor(Date.now() / 1000) + 2,
    });
    const brief = await watch(soon.token);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      brief.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    expect(closed).toEqual({ code: 4401, reason: 'the token has expired: sign in again' });
  });
});
