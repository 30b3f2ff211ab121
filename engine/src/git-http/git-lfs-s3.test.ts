import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LfsBatchResponse } from '@studio/node-schemas';
import { gitAt } from '../projects/git.ts';
import { gitClient, gitServer, projectWithTakes, sha256, type GitClient, type GitServer, type Take } from '../testing/git-http-fixture.ts';
import { startRadosgw, type Radosgw } from '../testing/radosgw.ts';
import { spawnEngine } from '../testing/spawn-engine.ts';
import { tenantObjectKey } from '../storage/tenant-key.ts';
import { copyObject } from '../storage/copy-object.ts';
import { filesystemBlobStore } from '../storage/filesystem-blob-store.ts';
import { localObjectPath } from '../storage/oid.ts';
import { s3BlobStore } from '../storage/s3-blob-store.ts';
import { delayingProxy, type DelayingProxy } from '../testing/delaying-proxy.ts';

const LFS = 'application/vnd.git-lfs+json';
const BUCKET = 'studio-lfs-test';

function sdk(gw: Radosgw, secretAccessKey = gw.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: gw.region,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

async function allKeys(client: S3Client): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

describe('LFS objects in S3 (a real radosgw that checks signatures)', () => {
  let gw: Radosgw;
  let proxy: DelayingProxy;
  let server: GitServer;
  let client: GitClient;
  let s3: S3Client;
  let project: { id: string; dir: string; takes: Take[] };
  let url = '';
  const batches: string[] = [];

  beforeAll(async () => {
    gw = await startRadosgw();
    // The engine reaches S3 through a proxy that can hold back one upload (the expiry test).
    proxy = await delayingProxy(gw.endpoint);
    server = await gitServer({
      env: { S3_ENDPOINT: proxy.endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: gw.accessKeyId, S3_SECRET_ACCESS_KEY: gw.secretAccessKey },
      options: { lifetimeS: 8 },
    });
    server.app.server.on('request', (req) => {
      if (req.url?.endsWith('/objects/batch')) batches.push(req.url);
    });
    client = await gitClient();
    s3 = sdk(gw);
    project = await projectWithTakes(server.ctx, { name: 'Night Ferry', takes: 3 });
    url = `${server.baseUrl}/git/local/${project.id}.git`;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await client?.cleanup();
    await proxy?.close();
    await gw?.stop();
  });

  it("clones and pulls the takes: the engine copies its own objects to the tenant's prefix and hands out presigned URLs", async () => {
    await client.git(join(client.home, 'work'), ['clone', url, 'clone']);
    const dir = join(client.home, 'work', 'clone');
    for (const take of project.takes) expect(sha256(await readFile(join(dir, take.path)))).toBe(take.oid);
    const keys = await allKeys(s3);
    for (const take of project.takes) expect(keys).toContain(tenantObjectKey('local', take.oid));
    expect(keys.every((k) => k.startsWith('tenants/local/lfs/objects/'))).toBe(true);
    expect(tenantObjectKey('local', project.takes[0]!.oid)).toMatch(/^tenants\/local\/lfs\/objects\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    // A fresh lfs pull after deleting the local objects comes from S3 again.
    await client.git(dir, ['lfs', 'fetch', '--all']);
  });

  it("a pushed branch's new LFS file lands in radosgw under the tenant's prefix, never the engine's disk", async () => {
    const dir = join(client.home, 'work', 'clone');
    const take = randomBytes(200 * 1024);
    const oid = sha256(take);
    await writeFile(join(dir, '01_Assets/Generative_Assets/SHOT_030_take_001.mp4'), take);
    await client.git(dir, ['add', '.']);
    await client.git(dir, ['commit', '-m', 'a take pushed to S3']);
    await client.git(dir, ['push', 'origin', 'HEAD:refs/heads/client/s3-topic']);
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: tenantObjectKey('local', oid) }));
    expect(sha256(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(oid);
    expect((await gitAt(project.dir).raw(['rev-parse', 'refs/heads/client/s3-topic'])).trim()).toBe(
      (await client.git(dir, ['rev-parse', 'HEAD'])).stdout.trim(),
    );
    expect((await allKeys(s3)).every((k) => k.startsWith('tenants/local/'))).toBe(true);
    // The engine can bring the object into the project itself (sha256 checked on the way in).
    const local = filesystemBlobStore({ projectDir: project.dir, objectsHref: `${url}/info/lfs/objects` });
    expect(await local.size(oid)).toBeNull();
    expect(await copyObject({ from: s3BlobStore({ s3: server.s3!, tenant: 'local' }), to: local, oid })).toBe(take.length);
    expect(sha256(await readFile(localObjectPath(project.dir, oid)))).toBe(oid);
  });

  it('refuses an upload over S3’s single-PUT limit per object, and still answers the others', async () => {
    const small = randomBytes(100);
    const res = await fetch(`${url}/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: JSON.stringify({
        operation: 'upload',
        objects: [
          { oid: 'e'.repeat(64), size: 6 * 1024 ** 3 },
          { oid: sha256(small), size: 100 },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const [big, ok] = LfsBatchResponse.parse(await res.json()).objects;
    expect(big!.error).toMatchObject({ code: 422, message: expect.stringContaining('5 GiB') });
    expect(ok!.actions?.upload?.href).toContain('/tenants/local/lfs/objects/');
  });

  it('the engine started as `npm start` does (S3 from the environment) sends a pushed take to S3', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-s3-engine-'));
    const engine = await spawnEngine({
      env: {
        STUDIO_HOME: home,
        HOST: '127.0.0.1',
        S3_ENDPOINT: gw.endpoint,
        S3_BUCKET: 'studio-lfs-spawned',
        S3_ACCESS_KEY_ID: gw.accessKeyId,
        S3_SECRET_ACCESS_KEY: gw.secretAccessKey,
      },
      timeoutMs: 60_000,
    });
    try {
      const created = await fetch(`${engine.baseUrl}/api/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Spawned' }),
      });
      const { id } = (await created.json()) as { id: string };
      const work = join(client.home, 'work');
      await client.git(work, ['clone', `${engine.baseUrl}/git/local/${id}.git`, 'spawned']);
      const dir = join(work, 'spawned');
      const take = randomBytes(10_000);
      await writeFile(join(dir, '01_Assets/Generative_Assets/SHOT_060_take_001.mp4'), take);
      await client.git(dir, ['add', '.']);
      await client.git(dir, ['commit', '-m', 'a take for the spawned engine']);
      await client.git(dir, ['push', 'origin', 'HEAD:refs/heads/client/spawned']);
      const stored = await s3.send(new GetObjectCommand({ Bucket: 'studio-lfs-spawned', Key: tenantObjectKey('local', sha256(take)) }));
      expect(sha256(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(sha256(take));
    } finally {
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);

  it('radosgw checks the signatures: a URL re-pointed at another key and a wrong secret are refused', async () => {
    const take = project.takes[0]!;
    const res = await fetch(`${url}/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: JSON.stringify({ operation: 'download', objects: [{ oid: take.oid, size: take.bytes.length }] }),
    });
    const href = LfsBatchResponse.parse(await res.json()).objects[0]!.actions!.download!.href;
    expect(href.startsWith(`${proxy.endpoint}/${BUCKET}/tenants/local/lfs/objects/`)).toBe(true);
    expect((await fetch(href)).status).toBe(200);
    const other = href.replace('/tenants/local/', '/tenants/acme/');
    expect((await fetch(other)).status).toBe(403);
    await expect(sdk(gw, 'not-the-secret').send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });

  it("another tenant's project is never reached: 403 for the URL's tenant, 404 for a project under the wrong tenant", async () => {
    const acme = await projectWithTakes(server.ctx, { name: 'Acme Reel', takes: 1, tenant: 'acme' });
    const body = JSON.stringify({ operation: 'download', objects: [{ oid: acme.takes[0]!.oid, size: acme.takes[0]!.bytes.length }] });
    const asAcme = await fetch(`${server.baseUrl}/git/acme/${acme.id}.git/info/lfs/objects/batch`, { method: 'POST', headers: { 'content-type': LFS }, body });
    expect(asAcme.status).toBe(403);
    const underLocal = await fetch(`${server.baseUrl}/git/local/${acme.id}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body,
    });
    expect(underLocal.status).toBe(404);
    const work = join(client.home, 'work');
    await expect(client.git(work, ['clone', `${server.baseUrl}/git/acme/${acme.id}.git`, 'acme'])).rejects.toThrow(/403/);
    expect((await allKeys(s3)).some((k) => k.startsWith('tenants/acme/'))).toBe(false);
  });

  it('an expired presigned URL is refused by S3; the client asks again and succeeds', async () => {
    const bytes = randomBytes(4096);
    const oid = sha256(bytes);
    const ask = async () =>
      LfsBatchResponse.parse(
        await (
          await fetch(`${url}/info/lfs/objects/batch`, {
            method: 'POST',
            headers: { 'content-type': LFS },
            body: JSON.stringify({ operation: 'upload', objects: [{ oid, size: bytes.length }] }),
          })
        ).json(),
      ).objects[0]!;
    const first = await ask();
    expect(first.actions!.upload!.expires_in).toBe(7);
    expect(first.actions!.upload!.header!['Content-Type']).toBe('application/octet-stream');
    await new Promise((r) => setTimeout(r, 9000));
    const put = (href: string) => fetch(href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect((await put(first.actions!.upload!.href)).status).toBe(403);
    const again = await ask();
    expect((await put(again.actions!.upload!.href)).status).toBe(200);
    const verify = await fetch(again.actions!.verify!.href, {
      method: 'POST',
      headers: { 'content-type': LFS },
      body: JSON.stringify({ oid, size: bytes.length }),
    });
    expect(verify.status).toBe(200);
  }, 30_000);

  it('the real client re-asks the batch for actions that expire while an upload is held back', async () => {
    const dir = join(client.home, 'work', 'clone');
    await client.git(dir, ['checkout', '-q', '-b', 'client/expiry']);
    for (const n of [1, 2]) await writeFile(join(dir, `01_Assets/Generative_Assets/SHOT_040_take_00${n}.mp4`), randomBytes(64 * 1024));
    await client.git(dir, ['add', '.']);
    await client.git(dir, ['commit', '-m', 'two takes, one held back']);
    // The first upload waits 4 s: the second object's action (expires_in 7, treated as expired 5 s early) runs out meanwhile.
    proxy.holdNextPut(4000);
    const before = batches.length;
    const pushed = await client.git(dir, ['-c', 'lfs.concurrenttransfers=1', 'push', 'origin', 'HEAD:refs/heads/client/expiry'], { GIT_TRACE: '1' });
    expect(pushed.stderr).toMatch(/expire/i);
    expect(batches.length - before).toBeGreaterThanOrEqual(2);
    for (const n of [1, 2]) {
      const oid = sha256(await readFile(join(dir, `01_Assets/Generative_Assets/SHOT_040_take_00${n}.mp4`)));
      expect((await allKeys(s3)).includes(tenantObjectKey('local', oid))).toBe(true);
    }
  }, 60_000);

  it('S3 down: the batch API answers 503 with the reason, the push fails and loses nothing, and goes through once S3 is back', async () => {
    const dir = join(client.home, 'work', 'clone');
    await client.git(dir, ['checkout', '-q', '-b', 'client/outage']);
    const take = randomBytes(50 * 1024);
    const oid = sha256(take);
    await writeFile(join(dir, '01_Assets/Generative_Assets/SHOT_050_take_001.mp4'), take);
    await client.git(dir, ['add', '.']);
    await client.git(dir, ['commit', '-m', 'a take during an outage']);
    await gw.stopGateway();
    try {
      const res = await fetch(`${url}/info/lfs/objects/batch`, {
        method: 'POST',
        headers: { 'content-type': LFS },
        body: JSON.stringify({ operation: 'upload', objects: [{ oid, size: take.length }] }),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { message: string }).message).toMatch(/the object store at http:\/\/127\.0\.0\.1:\d+ failed to look up object/);
      await expect(client.git(dir, ['-c', 'lfs.transfer.maxretries=1', 'push', 'origin', 'HEAD:refs/heads/client/outage'])).rejects.toThrow();
      // Nothing lost: the commit and the object are still in the client's repository; the branch did not arrive half-made.
      expect(sha256(await readFile(join(dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)))).toBe(oid);
      await expect(gitAt(project.dir).raw(['rev-parse', '--verify', 'refs/heads/client/outage'])).rejects.toThrow();
    } finally {
      await gw.startGateway();
    }
    await client.git(dir, ['push', 'origin', 'HEAD:refs/heads/client/outage']);
    expect((await allKeys(s3)).includes(tenantObjectKey('local', oid))).toBe(true);
    expect((await gitAt(project.dir).raw(['fsck', '--no-progress'])).trim()).toBe('');
  }, 90_000);
});
