import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, rawTarget, UPGRADE_HEADERS } from '../testing/raw-http.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';

/** Everything here runs against a real engine process bound beyond loopback (so with a token). */
let engine: SpawnedEngine;
let home: string;
let port: number;
let token: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-hostile-'));
  engine = await spawnEngine({ env: { STUDIO_HOME: home, HOST: '0.0.0.0', STUDIO_LOCAL_WORKER: '0' }, timeoutMs: 90_000 });
  port = Number(new URL(engine.url).port);
  token = new URL(engine.url).searchParams.get('token')!;
  const created = await fetch(`http://127.0.0.1:${port}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Hostile' }),
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await engine?.stop();
  await rm(home, { recursive: true, force: true });
});

async function stillAnswers() {
  expect(engine.child.exitCode, `the engine died:\n${engine.output().slice(-2000)}`).toBeNull();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
}

const upgrade = (target: string, extra: Record<string, string> = {}) => rawTarget(port, 'GET', target, { ...UPGRADE_HEADERS, ...extra });

describe('hostile requests never end the engine', () => {
  it('an upgrade to a project id that is not valid percent-encoding', async () => {
    const res = await upgrade('/ws/%E0%A4%A?protocol=1', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(404);
    await stillAnswers();
  });

  it('an upgrade whose target is not a URL, with and without the token (before the token check)', async () => {
    expect((await upgrade('//')).status).toBe(401);
    expect((await upgrade('//', { authorization: `Bearer ${token}` })).status).toBe(404);
    for (const target of ['*', 'http://x/ws/hostile?protocol=1', '/ws/', '/ws/a/b', `/ws/${'%'.repeat(3000)}`, '/ws/%00?protocol=1'])
      expect([400, 401, 404]).toContain((await upgrade(target)).status);
    await stillAnswers();
  });

  it('a studio_token cookie that is not valid percent-encoding: on upgrades and on every plain route', async () => {
    expect((await upgrade('/ws/hostile?protocol=1', { cookie: 'studio_token=%E0%A4%A' })).status).toBe(401);
    const api = await rawTarget(port, 'GET', '/api/v1/projects', { cookie: 'studio_token=%E0%A4%A' });
    expect(api.status).toBe(401);
    expect(api.body).toContain('UNAUTHORIZED');
    const page = await rawTarget(port, 'GET', '/', { cookie: 'studio_token=%E0%A4%A; other=%' });
    expect(page.status).toBe(200);
    // With the real token elsewhere, a broken cookie changes nothing.
    const withToken = await rawTarget(port, 'GET', '/api/v1/projects', { cookie: 'studio_token=%E0%A4%A', 'x-studio-token': token });
    expect(withToken.status).toBe(200);
    await stillAnswers();
  });

  it('a socket that sends a bad frame before its room has loaded, and one reset mid-upgrade', async () => {
    // A frame with reserved opcode 0x3, unmasked: ws reports it as an 'error' event on the socket.
    const frame = Buffer.from([0x83, 0x00]);
    const lines = [`GET /ws/hostile?protocol=1&token=${token} HTTP/1.1`, 'Host: x', ...Object.entries(UPGRADE_HEADERS).map(([k, v]) => `${k}: ${v}`)];
    for (let i = 0; i < 20; i++) await rawRequest(port, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), frame]), 1000);
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.resetAndDestroy();
    }
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        `GET // HTTP/1.1\r\nHost: x\r\n${Object.entries(UPGRADE_HEADERS)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n')}\r\n\r\n`,
      );
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 300));
    await stillAnswers();
  });

  it('the token in the URL of a page redirects only to this origin', async () => {
    for (const target of [`//evil.example/?token=${token}`, `/\\evil.example/?token=${token}`]) {
      const res = await rawTarget(port, 'GET', target);
      if (res.status === 303) expect(/^location: (.*)$/im.exec(res.head)?.[1]?.trim()).toBe('/');
    }
    const good = await rawTarget(port, 'GET', `/projects/x?token=${token}&tab=2`);
    expect(good.status).toBe(303);
    expect(/^location: (.*)$/im.exec(good.head)?.[1]?.trim()).toBe('/projects/x?tab=2');
    await stillAnswers();
  });
});
