import { decodeProtectedHeader } from 'jose';
import type { FastifyInstance } from 'fastify';
import { PROTOCOL_VERSION } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../auth/access-token.ts';
import { authServiceFor } from '../auth/auth-service.ts';
import { removeKey, rotateKey } from '../auth/jwt-keyring.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { testSettings } from '../testing/test-settings.ts';
import { WsProbe } from '../testing/ws-probe.ts';
import type { EngineContext } from './context.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let base: string;

const login = (username: string, password: string, url = '/auth/token', remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url, payload: { username, password }, remoteAddress });
const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/v1/auth/session', headers });

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp({ settings: testSettings({ STUDIO_AUTH: 'users', STUDIO_TOKEN_TTL_S: '600' }) }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await authServiceFor(ctx).users.add({ username: 'alice', tenant: 'acme', password: 'alice password' });
  await authServiceFor(ctx).users.add({ username: 'temp', tenant: 'acme', password: 'temp password' });
});
afterAll(() => cleanup());

describe('multi-user mode: sign-in, sessions, keys', () => {
  it('GET /auth/mode is open and says users', async () => {
    expect((await app.inject({ method: 'GET', url: '/auth/mode' })).json()).toEqual({ mode: 'users' });
  });

  it('POST /auth/token: the token of spec table 5; wrong name or password: the same 401; a bad body: 400', async () => {
    const ok = await login('alice', 'alice password');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.json()).toEqual({ access_token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'bearer', expires_in: 600 });
    const wrong = await login('alice', 'nope nope', '/auth/token', '10.1.1.1');
    const unknown = await login('nobody', 'nope nope', '/auth/token', '10.1.1.1');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({ error: 'the username or password is wrong', code: 'INVALID_CREDENTIALS' });
    const bad = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'alice' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_REQUEST', field: 'password' });
  });

  it('five failures for one name from one address: 429 with Retry-After, even for the right password; other addresses go on', async () => {
    for (let i = 0; i < 5; i++) expect((await login('alice', 'wrong wrong', '/auth/token', '10.9.9.9')).statusCode).toBe(401);
    const locked = await login('alice', 'alice password', '/auth/token', '10.9.9.9');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retry_after_s: expect.any(Number) });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('alice', 'alice password', '/auth/token', '10.9.9.8')).statusCode).toBe(200);
  });

  it('POST /auth/session keeps the token in an HttpOnly cookie that authenticates; DELETE clears it', async () => {
    const signed = await login('alice', 'alice password', '/auth/session');
    expect(signed.statusCode).toBe(200);
    expect(signed.body).not.toMatch(/ey[\w-]+\.[\w-]+\./);
    const cookie = String(signed.headers['set-cookie']);
    expect(cookie).toMatch(/^studio_session=[\w.-]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Strict$/);
    const session = await me({ cookie: cookie.split(';')[0]! });
    expect(session.json()).toMatchObject({ mode: 'users', actor: { kind: 'user', id: 'alice', tenant: 'acme' }, scopes: ['projects:read', 'projects:write'] });
    expect(Date.parse((session.json() as { expires_at: string }).expires_at) - Date.now()).toBeGreaterThan(590_000);
    const out = await app.inject({ method: 'DELETE', url: '/auth/session', headers: { cookie: cookie.split(';')[0]! } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^studio_session=; Path=\/; Max-Age=0; HttpOnly/);
    // That token is signed out for good, even if a copy of the cookie is kept; another session of the same user is not.
    const kept = await me({ cookie: cookie.split(';')[0]! });
    expect(kept.statusCode).toBe(401);
    expect(kept.json()).toMatchObject({ code: 'UNAUTHORIZED', error: 'this token was signed out: sign in again' });
    const other = (await login('alice', 'alice password')).json().access_token as string;
    expect((await me({ authorization: `Bearer ${other}` })).statusCode).toBe(200);
    // Signing out with nothing, or with garbage, is a no-op answer.
    expect((await app.inject({ method: 'DELETE', url: '/auth/session', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(204);
  });

  it('rotation while the engine runs: new tokens carry the new kid, old tokens verify until their kid is removed', async () => {
    const old = (await login('alice', 'alice password')).json().access_token as string;
    const oldKid = decodeProtectedHeader(old).kid!;
    const added = rotateKey(ctx.workspace.home);
    authServiceFor(ctx).keyring.recheck();
    const fresh = (await login('alice', 'alice password')).json().access_token as string;
    expect(decodeProtectedHeader(fresh).kid).toBe(added.kid);
    expect((await me({ authorization: `Bearer ${old}` })).statusCode).toBe(200);
    removeKey(ctx.workspace.home, oldKid);
    authServiceFor(ctx).keyring.recheck();
    const refused = await me({ authorization: `Bearer ${old}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'UNAUTHORIZED', error: expect.stringMatching(/key this engine does not know/) });
    expect((await me({ authorization: `Bearer ${fresh}` })).statusCode).toBe(200);
  });

  it('a new password, or signing out everywhere, refuses every earlier token; tokens issued after work', async () => {
    const users = authServiceFor(ctx).users;
    await users.add({ username: 'pat', tenant: 'acme', password: 'pat password' });
    const first = (await login('pat', 'pat password')).json().access_token as string;
    expect((await me({ authorization: `Bearer ${first}` })).statusCode).toBe(200);
    await users.setPassword({ username: 'pat', password: 'pat new password' });
    const refused = await me({ authorization: `Bearer ${first}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'UNAUTHORIZED', error: expect.stringMatching(/signed out/) });
    const second = (await login('pat', 'pat new password')).json().access_token as string;
    expect((await me({ authorization: `Bearer ${second}` })).statusCode).toBe(200);
    users.revokeTokens({ username: 'pat' });
    expect((await me({ authorization: `Bearer ${second}` })).statusCode).toBe(401);
    const third = (await login('pat', 'pat new password')).json().access_token as string;
    expect((await me({ authorization: `Bearer ${third}` })).statusCode).toBe(200);
  });

  it("a removed user's token stops working at once", async () => {
    const tempToken = (await login('temp', 'temp password')).json().access_token as string;
    expect((await me({ authorization: `Bearer ${tempToken}` })).statusCode).toBe(200);
    authServiceFor(ctx).users.remove({ username: 'temp' });
    expect((await me({ authorization: `Bearer ${tempToken}` })).json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('an expired token is TOKEN_EXPIRED; a WebSocket is closed (4401) when its token expires', async () => {
    const subject = { username: 'alice', tenant: 'acme', scopes: ['projects:read', 'projects:write'] as const };
    const keyring = authServiceFor(ctx).keyring;
    const past = await signAccessToken({ keyring, subject, ttlS: 60, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect((await me({ authorization: `Bearer ${past.token}` })).json()).toMatchObject({ code: 'TOKEN_EXPIRED' });
    const soon = await signAccessToken({ keyring, subject, ttlS: 60, expiresAt: Math.floor(Date.now() / 1000) + 2 });
    const probe = await WsProbe.open(base, 'no-such-project', { token: soon.token, protocol: String(PROTOCOL_VERSION) });
    // A missing project closes at once (4404); open one that exists to see the expiry.
    expect((await probe.closedWith()).code).toBe(4404);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { authorization: `Bearer ${soon.token}` },
      payload: { name: 'Expiry' },
    });
    expect(created.statusCode).toBe(201);
    const live = await WsProbe.open(base, (created.json() as { id: string }).id, { token: soon.token });
    await live.next('server:welcome');
    expect(await live.closedWith(6000)).toEqual({ code: 4401, reason: 'the token has expired: sign in again' });
  });
});

describe('the loopback default (STUDIO_AUTH=none)', () => {
  it('needs no sign-in: /auth/mode says none, the session is the local user, /auth/token explains', async () => {
    const plain = await testApp();
    try {
      expect((await plain.app.inject({ method: 'GET', url: '/auth/mode' })).json()).toEqual({ mode: 'none' });
      expect((await plain.app.inject({ method: 'GET', url: '/api/v1/auth/session' })).json()).toMatchObject({
        mode: 'none',
        actor: { kind: 'local', tenant: 'local' },
        expires_at: null,
      });
      const token = await plain.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'a', password: 'b' } });
      expect(token.statusCode).toBe(400);
      expect(token.json()).toMatchObject({ code: 'INVALID_REQUEST', error: expect.stringMatching(/STUDIO_AUTH=none/) });
    } finally {
      await plain.cleanup();
    }
  });
});
