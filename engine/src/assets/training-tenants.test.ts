import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { LibraryTrainingEvent } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authServiceFor } from '../auth/auth-service.ts';
import { referenceImage } from '../testing/asset-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { testSettings } from '../testing/test-settings.ts';

/*
 * LoRA training in multi-user mode (real Redis, git-lfs, PyTorch's CPU draft trainer): a tenant
 * trains an asset of its own library end to end; another tenant can neither reach that asset, nor
 * its training task, nor resume from it, and hears none of its events on /ws/library.
 */
let studio: Awaited<ReturnType<typeof jobApp>>;
const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

beforeAll(async () => {
  studio = await jobApp({ settings: testSettings({ STUDIO_AUTH: 'users' }), concurrency: 2 });
  const auth = authServiceFor(studio.ctx);
  await auth.users.add({ username: 'alice', tenant: 'acme', password: 'alice password' });
  await auth.users.add({ username: 'bob', tenant: 'beta', password: 'bob password!' });
  for (const [name, password] of [
    ['alice', 'alice password'],
    ['bob', 'bob password!'],
  ] as const) {
    const res = await fetch(`${studio.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password }),
    });
    tokens[name] = ((await res.json()) as { access_token: string }).access_token;
  }
}, 120_000);
afterAll(() => studio?.close());

const as = (who: 'alice' | 'bob', extra: Record<string, string> = {}) => ({ authorization: `Bearer ${tokens[who]}`, ...extra });
async function api(who: 'alice' | 'bob', method: string, path: string, body?: unknown) {
  const res = await fetch(`${studio.base}${path}`, {
    method,
    headers: as(who, body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function watchLibrary(who: 'alice' | 'bob') {
  const socket = new WebSocket(`${studio.base.replace(/^http/, 'ws')}/ws/library?token=${tokens[who]}`);
  const messages: LibraryTrainingEvent[] = [];
  socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as LibraryTrainingEvent));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages };
}

async function assetWithImages(who: 'alice' | 'bob', name: string, trigger: string): Promise<string> {
  const created = await api(who, 'POST', '/api/v1/assets', { name, kind: 'character', trigger_word: trigger });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const form = new FormData();
  for (let i = 0; i < 8; i++) form.append('files', new Blob([new Uint8Array(await referenceImage(i + (who === 'bob' ? 20 : 0)))]), `ref_${i}.png`);
  const upload = await fetch(`${studio.base}/api/v1/assets/${id}/images`, { method: 'POST', headers: as(who), body: form });
  expect(upload.status).toBe(201);
  return id;
}

async function waitForTraining(who: 'alice' | 'bob', taskId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const task = await api(who, 'GET', `/api/v1/tasks/${taskId}`);
    if (['succeeded', 'failed', 'cancelled'].includes(task.body.status as string)) return task.body;
    if (Date.now() > deadline) throw new Error(`training ${taskId} still ${String(task.body.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('LoRA training per tenant (multi-user mode)', () => {
  it('a tenant trains its own asset end to end; another tenant cannot reach the asset, its task or its events, nor resume from it', async () => {
    const aliceWatch = await watchLibrary('alice');
    const bobWatch = await watchLibrary('bob');
    try {
      await trainAndProbe(aliceWatch, bobWatch);
    } finally {
      for (const w of [aliceWatch, bobWatch]) w.socket.close();
    }
  }, 240_000);
});

async function trainAndProbe(aliceWatch: Awaited<ReturnType<typeof watchLibrary>>, bobWatch: Awaited<ReturnType<typeof watchLibrary>>): Promise<void> {
  {
    const kira = await assetWithImages('alice', 'Kira Acme', 'kiraacme');
    const bert = await assetWithImages('bob', 'Bert Beta', 'bertbeta');

    // Bob cannot train alice's asset: it answers as a missing one.
    const foreign = await api('bob', 'POST', `/api/v1/assets/${kira}/train`, { base: 'draft', preset: 'cpu', params: { steps: 12 } });
    const missing = await api('bob', 'POST', '/api/v1/assets/ast-0000000000/train', { base: 'draft', preset: 'cpu', params: { steps: 12 } });
    expect(foreign.status).toBe(404);
    expect({ ...foreign.body, error: '', id: '' }).toEqual({ ...missing.body, error: '', id: '' });

    const train = await api('alice', 'POST', `/api/v1/assets/${kira}/train`, { base: 'draft', preset: 'cpu', params: { steps: 12 } });
    expect(train.status).toBe(202);
    const taskId = train.body.task_id as string;
    const done = await waitForTraining('alice', taskId);
    expect(done, JSON.stringify(done).slice(0, 600)).toMatchObject({ status: 'succeeded', kind: 'training' });

    // The version is in acme's library, committed there, and nowhere else.
    const asset = await api('alice', 'GET', `/api/v1/assets/${kira}`);
    const versions = asset.body.versions as Array<{ name: string; path: string }>;
    expect(versions.map((v) => v.name)).toEqual(['KIRA_ACME_v01']);
    expect(existsSync(join(studio.home, 'Library/Tenants/acme/Generative_Assets', kira, versions[0]!.path))).toBe(true);
    expect(existsSync(join(studio.home, 'Library/Generative_Assets', kira))).toBe(false);
    expect(existsSync(join(studio.home, 'Library/Tenants/beta/Generative_Assets', kira))).toBe(false);

    // Bob: not the task, not a resume from it, not a sample of it.
    const theirTask = await api('bob', 'GET', `/api/v1/tasks/${taskId}`);
    const noTask = await api('bob', 'GET', '/api/v1/tasks/train-no-such-task');
    expect(theirTask.status).toBe(404);
    // Both name only the id that was asked, nothing more.
    expect(theirTask.body).toEqual({ ...noTask.body, error: `no task '${taskId}'`, task_id: taskId });
    expect(JSON.stringify(theirTask.body)).not.toContain(kira);
    expect((await api('bob', 'POST', `/api/v1/tasks/${taskId}/cancel`)).status).toBe(404);
    const resume = await api('bob', 'POST', `/api/v1/assets/${bert}/train`, { base: 'draft', preset: 'cpu', params: { steps: 12 }, resume_from: taskId });
    expect(resume.status).toBe(400);
    expect(JSON.stringify(resume.body)).not.toContain(kira);
    const samples = (done.detail as { samples: Array<{ url: string }> }).samples;
    expect(samples.length).toBeGreaterThan(0);
    const ownSample = await fetch(`${studio.base}${samples[0]!.url}`, { headers: as('alice') });
    expect(ownSample.status).toBe(200);
    const theirSample = await fetch(`${studio.base}${samples[0]!.url}`, { headers: as('bob') });
    expect(theirSample.status).toBe(404);

    // The library socket: alice heard her run through to its version; bob heard nothing of it.
    await expect.poll(() => aliceWatch.messages.some((m) => m.task_id === taskId && m.state === 'succeeded'), { timeout: 20_000 }).toBe(true);
    expect(bobWatch.messages.filter((m) => m.task_id === taskId || m.asset_id === kira)).toEqual([]);
  }
}
