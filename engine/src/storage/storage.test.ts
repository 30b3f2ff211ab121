import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../testing/git-http-fixture.ts';
import { filesystemBlobStore } from './filesystem-blob-store.ts';
import { localObjectPath } from './oid.ts';
import { tenantObjectKey, tenantPrefix } from './tenant-key.ts';

describe('tenant keys', () => {
  it('are tenants/<tenant>/lfs/objects/<aa>/<bb>/<oid> and refuse names that could reach another prefix', () => {
    const oid = 'ab'.repeat(32);
    expect(tenantObjectKey('acme', oid)).toBe(`tenants/acme/lfs/objects/ab/ab/${oid}`);
    for (const bad of ['', '../acme', 'acme/../local', 'a/b', '.', 'Acme', 'x'.repeat(65)]) expect(() => tenantPrefix(bad)).toThrow(/not a tenant name/);
  });
});

describe('the filesystem blob store (a project’s .git/lfs/objects)', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores bytes under their sha256, and keeps nothing of a short or wrong upload', async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-store-'));
    const store = filesystemBlobStore({ projectDir: dir, objectsHref: 'http://engine/git/local/p.git/info/lfs/objects' });
    const bytes = randomBytes(100_000);
    const oid = sha256(bytes);
    await expect(store.put({ oid, size: bytes.length + 1, body: Readable.from([bytes]) })).rejects.toMatchObject({ status: 422 });
    await expect(store.put({ oid, size: bytes.length - 1, body: Readable.from([bytes]) })).rejects.toThrow(/more than the stated/);
    await expect(store.put({ oid: sha256(randomBytes(8)), size: bytes.length, body: Readable.from([bytes]) })).rejects.toThrow(/hash to/);
    expect(await store.size(oid)).toBeNull();
    expect(await readdir(join(dir, '.git/lfs/tmp'))).toEqual([]);
    await store.put({ oid, size: bytes.length, body: Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]) });
    expect(await store.size(oid)).toBe(bytes.length);
    expect(sha256(await readFile(localObjectPath(dir, oid)))).toBe(oid);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(oid)) chunks.push(chunk as Buffer);
    expect(sha256(Buffer.concat(chunks))).toBe(oid);
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'LFS_OBJECT_MISSING', status: 404 });
    expect((await store.presignUpload({ oid, size: bytes.length, lifetimeS: 60 })).header['Content-Type']).toBe('application/octet-stream');
  });
});
