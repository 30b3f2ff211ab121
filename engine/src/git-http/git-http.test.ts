import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LfsBatchResponse } from '@studio/node-schemas';
import { gitAt } from '../projects/git.ts';
import { localObjectPath } from '../storage/oid.ts';
import { authServiceFor } from '../auth/auth-service.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { testSettings } from '../testing/test-settings.ts';
import { gitClient, gitServer, projectWithTakes, sha256, type GitClient, type GitServer, type Take } from '../testing/git-http-fixture.ts';

const LFS = 'application/vnd.git-lfs+json';

describe('projects over git smart HTTP with LFS in the filesystem store (the default)', () => {
  let server: GitServer;
  let client: GitClient;
  let project: { id: string; dir: string; takes: Take[] };
  let url = '';
  const seen: { url: string; encoding?: string; chunked: boolean; protocol?: string }[] = [];

  beforeAll(async () => {
    server = await gitServer();
    server.app.server.on('request', (req) =>
      seen.push({
        url: req.url ?? '',
        encoding: req.headers['content-encoding'],
        chunked: req.headers['transfer-encoding'] === 'chunked',
        protocol: req.headers['git-protocol'] as string | undefined,
      }),
    );
    client = await gitClient();
    project = await projectWithTakes(server.ctx, { name: 'Harbour Lights', takes: 3 });
    // Many branches: a clone's want list passes 1 KiB, which git gzips.
    const repo = gitAt(project.dir);
    for (let i = 0; i < 40; i++) await repo.raw(['branch', `archive/take-set-${String(i).padStart(3, '0')}`]);
    url = `${server.baseUrl}/git/local/${project.id}.git`;
  });
  afterAll(async () => {
    await server?.close();
    await client?.cleanup();
  });

  it('clones with the real git and git-lfs: history, and the takes as their real bytes', async () => {
    await client.git(join(client.home, 'work'), ['clone', url, 'clone']);
    const dir = join(client.home, 'work', 'clone');
    for (const take of project.takes) expect(sha256(await readFile(join(dir, take.path)))).toBe(take.oid);
    const log = (await client.git(dir, ['log', '--format=%s'])).stdout.trim().split('\n');
    expect(log[0]).toBe('3 takes of SHOT_010');
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect((await client.git(dir, ['rev-parse', 'HEAD'])).stdout.trim()).toBe((await gitAt(project.dir).raw(['rev-parse', 'HEAD'])).trim());
    // Protocol v2 came through the Git-Protocol header, and the want list came gzipped.
    expect(seen.some((r) => r.url.includes('/info/refs') && r.protocol === 'version=2')).toBe(true);
    expect(seen.some((r) => r.url.endsWith('/git-upload-pack') && r.encoding === 'gzip')).toBe(true);
  });

  it('answers protocol v0 clients too', async () => {
    const refs = (await client.git(client.home, ['-c', 'protocol.version=0', 'ls-remote', url, 'refs/heads/main'])).stdout;
    expect(refs.trim()).toBe(`${(await gitAt(project.dir).raw(['rev-parse', 'main'])).trim()}\trefs/heads/main`);
  });

  it('serves a partial clone (--filter=blob:none) and git lfs pull --include of one take', async () => {
    const dir = join(client.home, 'work', 'partial');
    await client.git(join(client.home, 'work'), ['clone', '--filter=blob:none', '--no-checkout', url, 'partial']);
    expect((await client.git(dir, ['config', 'remote.origin.partialclonefilter'])).stdout.trim()).toBe('blob:none');
    await client.git(dir, ['checkout', 'main'], { GIT_LFS_SKIP_SMUDGE: '1' });
    const [first, second] = project.takes;
    expect((await readFile(join(dir, first!.path), 'utf8')).startsWith('version https://git-lfs.github.com/spec/v1')).toBe(true);
    await client.git(dir, ['lfs', 'pull', '--include', first!.path]);
    expect(sha256(await readFile(join(dir, first!.path)))).toBe(first!.oid);
    // Only the one asked for came down.
    expect((await readFile(join(dir, second!.path), 'utf8')).startsWith('version https://git-lfs.github.com/spec/v1')).toBe(true);
  });

  it('takes a push of a branch with a new LFS file (chunked, over the 1 MiB body limit) and refuses a push to main', async () => {
    const dir = join(client.home, 'work', 'clone');
    const take = randomBytes(300 * 1024);
    const plain = randomBytes(3 * 1024 * 1024);
    await writeFile(join(dir, '01_Assets/Generative_Assets/SHOT_020_take_001.mp4'), take);
    await writeFile(join(dir, '02_Source_Creative/Scripts/noise.dat'), plain);
    await client.git(dir, ['add', '.']);
    await client.git(dir, ['commit', '-m', 'a take from outside']);
    await client.git(dir, ['push', 'origin', 'HEAD:refs/heads/client/topic']);
    const head = (await client.git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
    const repo = gitAt(project.dir);
    expect((await repo.raw(['rev-parse', 'refs/heads/client/topic'])).trim()).toBe(head);
    expect(sha256(await readFile(localObjectPath(project.dir, sha256(take))))).toBe(sha256(take));
    expect(seen.some((r) => r.url.endsWith('/git-receive-pack') && r.chunked)).toBe(true);
    // A job's own ref, as a stateless worker pushes it, is accepted too.
    await client.git(dir, ['push', 'origin', 'HEAD:refs/jobs/gen-42']);
    expect((await repo.raw(['rev-parse', 'refs/jobs/gen-42'])).trim()).toBe(head);
    // main did not move, and a push to it is refused with the reason.
    const mainBefore = (await repo.raw(['rev-parse', 'main'])).trim();
    expect(mainBefore).not.toBe(head);
    const refused = await client.git(dir, ['push', 'origin', 'HEAD:main']).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain('refs/heads/main is written by the studio engine only');
    expect((await repo.raw(['rev-parse', 'main'])).trim()).toBe(mainBefore);
    expect((await repo.raw(['fsck', '--no-progress'])).trim()).toBe('');
  });

  it('answers the Batch API by its contract', async () => {
    const batch = (body: unknown, tenant = 'local', id = project.id) =>
      fetch(`${server.baseUrl}/git/${tenant}/${id}.git/info/lfs/objects/batch`, {
        method: 'POST',
        headers: { 'content-type': `${LFS}; charset=utf-8`, accept: LFS },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const take = project.takes[0]!;
    const missing = 'f'.repeat(64);
    const res = await batch({
      operation: 'download',
      transfers: ['basic'],
      objects: [
        { oid: take.oid, size: take.bytes.length },
        { oid: missing, size: 5 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(LFS);
    const answer = LfsBatchResponse.parse(await res.json());
    expect(answer.objects[0]!.actions?.download?.href).toBe(`${server.baseUrl}/git/local/${project.id}.git/info/lfs/objects/${take.oid}`);
    expect(answer.objects[0]!.authenticated).toBe(true);
    expect(answer.objects[1]!.error?.code).toBe(404);
    const bytes = Buffer.from(await (await fetch(answer.objects[0]!.actions!.download!.href)).arrayBuffer());
    expect(sha256(bytes)).toBe(take.oid);

    // An upload the store has needs no action.
    const up = LfsBatchResponse.parse(await (await batch({ operation: 'upload', objects: [{ oid: take.oid, size: take.bytes.length }] })).json());
    expect(up.objects[0]!.actions).toBeUndefined();

    const bad = await batch('{"operation":"sideways"');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toContain('not JSON');
    const wrongTenant = await batch({ operation: 'download', objects: [] }, 'acme');
    expect(wrongTenant.status).toBe(403);
    expect(((await wrongTenant.json()) as { message: string }).message).toContain("tenant 'local', not 'acme'");
    expect((await batch({ operation: 'download', objects: [] }, 'local', 'no-such-project')).status).toBe(404);
    const locks = await fetch(`${server.baseUrl}/git/local/${project.id}.git/info/lfs/locks/verify`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: '{}',
    });
    expect(locks.status).toBe(501);
  });

  it('refuses an object PUT whose bytes are not the oid, and keeps nothing of it', async () => {
    const bytes = randomBytes(1000);
    const claimed = sha256(randomBytes(1000));
    const res = await fetch(`${server.baseUrl}/git/local/${project.id}.git/info/lfs/objects/${claimed}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toContain(`not ${claimed}`);
    expect(existsSync(localObjectPath(project.dir, claimed))).toBe(false);
    const verify = await fetch(`${server.baseUrl}/git/local/${project.id}.git/info/lfs/verify`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: JSON.stringify({ oid: claimed, size: 1000 }),
    });
    expect(verify.status).toBe(404);
  });
});

describe('beyond loopback the git routes need the startup token', () => {
  let server: GitServer;
  let client: GitClient;
  let id = '';
  beforeAll(async () => {
    server = await gitServer({ token: 'startup-token-123' });
    client = await gitClient();
    id = (await projectWithTakes(server.ctx, { name: 'Gated', takes: 1 })).id;
  });
  afterAll(async () => {
    await server?.close();
    await client?.cleanup();
  });

  it('refuses a clone without it (401 with a Basic challenge) and clones with it as the Basic password', async () => {
    const res = await fetch(`${server.baseUrl}/git/local/${id}.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic');
    const work = join(client.home, 'work');
    await expect(client.git(work, ['clone', `${server.baseUrl}/git/local/${id}.git`, 'no-token'])).rejects.toThrow(
      /401|Authentication failed|could not read Username/,
    );
    const authed = server.baseUrl.replace('http://', 'http://studio:startup-token-123@');
    await client.git(work, ['clone', `${authed}/git/local/${id}.git`, 'with-token']);
    expect(existsSync(join(work, 'with-token', 'project.json'))).toBe(true);
  });
});

describe('the whole engine app serves the git routes', () => {
  it('clones a project made through the REST API, beside every other route and body parser', async () => {
    const { app, ctx, cleanup } = await testApp();
    const client = await gitClient();
    try {
      const created = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Through The App' } });
      expect(created.statusCode).toBe(201);
      const { id } = created.json<{ id: string }>();
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await client.git(join(client.home, 'work'), ['clone', `http://127.0.0.1:${port}/git/local/${id}.git`, 'app-clone']);
      expect(existsSync(join(client.home, 'work', 'app-clone', 'project.json'))).toBe(true);
      expect(ctx.token).toBeNull();
    } finally {
      await client.cleanup();
      await cleanup();
    }
  });
});

describe('multi-user mode: LFS uploads only for tokens that may write', () => {
  it('a read-only user gets downloads but no upload actions; a writer gets both', async () => {
    const { app, ctx, cleanup } = await testApp({ settings: testSettings({ STUDIO_AUTH: 'users' }) });
    try {
      const users = authServiceFor(ctx).users;
      await users.add({ username: 'wes', tenant: 'acme', password: 'wes password' });
      await users.add({ username: 'rae', tenant: 'acme', password: 'rae password', scopes: ['projects:read'] });
      const project = await projectWithTakes(ctx, { name: 'Acme Trailer', takes: 1, tenant: 'acme' });
      const take = project.takes[0]!;
      const tokenOf = async (username: string, password: string) =>
        (await app.inject({ method: 'POST', url: '/auth/token', payload: { username, password } })).json<{ access_token: string }>().access_token;
      const batch = async (token: string, operation: string) =>
        app.inject({
          method: 'POST',
          url: `/git/acme/${project.id}.git/info/lfs/objects/batch`,
          headers: { 'content-type': LFS, authorization: `Bearer ${token}` },
          payload: JSON.stringify({ operation, objects: [{ oid: take.oid, size: take.bytes.length + 1 }] }),
        });
      const reader = await tokenOf('rae', 'rae password');
      expect((await batch(reader, 'download')).statusCode).toBe(200);
      const refused = await batch(reader, 'upload');
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ message: string }>().message).toContain('may not push');
      const writer = await tokenOf('wes', 'wes password');
      const allowed = await batch(writer, 'upload');
      expect(allowed.statusCode).toBe(200);
      expect(LfsBatchResponse.parse(allowed.json()).objects[0]!.actions?.upload).toBeDefined();
    } finally {
      await cleanup();
    }
  });
});

describe('hostile requests to the git routes', () => {
  let server: GitServer;
  let id = '';
  beforeAll(async () => {
    server = await gitServer();
    id = (await projectWithTakes(server.ctx, { name: 'Hostile', takes: 1 })).id;
  });
  afterAll(() => server?.close());

  it('answers a clear 4xx for paths, services and bodies it does not take, and the repository stays whole', async () => {
    const get = (path: string) => fetch(`${server.baseUrl}${path}`);
    for (const path of [
      `/git/local/..%2F..%2Fetc.git/info/refs?service=git-upload-pack`,
      `/git/local/${id}/info/refs?service=git-upload-pack`,
      `/git/local/.git/info/refs?service=git-upload-pack`,
      `/git/local/${id}.git.git/info/refs?service=git-upload-pack`,
    ])
      expect((await get(path)).status, path).toBe(404);
    const archive = await get(`/git/local/${id}.git/info/refs?service=git-upload-archive`);
    expect(archive.status).toBe(422);
    expect(await archive.text()).toContain('only the smart protocol');
    expect((await get(`/git/local/${id}.git/info/lfs/objects/not-an-oid`)).status).toBe(404);
    const huge = await fetch(`${server.baseUrl}/git/local/${id}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: Buffer.alloc(17 * 1024 * 1024, 0x20),
    });
    expect(huge.status).toBe(413);
    const bogus = await fetch(`${server.baseUrl}/git/local/${id}.git/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request' },
      body: Buffer.from('0032garbage that is not a pkt-line stream at all\n'),
    });
    expect(bogus.status).toBeLessThan(500);
    const dir = join(server.ctx.workspace.projectsDir, id);
    expect((await gitAt(dir).raw(['fsck', '--no-progress'])).trim()).toBe('');
    expect((await gitAt(dir).raw(['for-each-ref', '--format=%(refname)'])).trim()).toBe('refs/heads/main');
  });
});
