import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LOCAL_ACTOR, ProjectAnswer, ProjectDetail, type Actor } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { createProject } from './create-project.ts';
import { forkProject } from './fork-project.ts';
import { commitStaged, runGit } from './git.ts';
import { listProjects } from './list-projects.ts';
import { filesystemBlobStore } from '../storage/filesystem-blob-store.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const dirOf = (id: string) => join(ctx.workspace.projectsDir, id);
const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });

const shot = (id: string, prompt: string) => ({ id, type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt } });

async function put(id: string, nodes: unknown[]): Promise<void> {
  const version = ProjectDetail.parse((await call('GET', `/api/v1/projects/${id}`)).json()).version;
  const res = await call('PUT', `/api/v1/projects/${id}`, { graph: { nodes, edges: [] }, version });
  expect(res.statusCode, res.body).toBe(200);
}

/** A take committed as the take committer does it: the file goes through the LFS clean filter into .git/lfs/objects. */
async function commitTake(dir: string, path: string, bytes: Buffer): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  const sidecar = path.replace(/\.png$/, '.json');
  await writeFile(join(dir, path), bytes);
  await writeFile(join(dir, sidecar), JSON.stringify({ seed: bytes[0] }) + '\n');
  await runGit(dir, ['add', '--', path, sidecar]);
  await commitStaged(dir, `Take ${path}`, [path, sidecar]);
}

const TAKE = '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png';
const LATER_TAKE = '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take02.png';
const lfsObject = (dir: string, oid: string) => join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
const oidOf = (dir: string, path: string) => /oid sha256:([0-9a-f]{64})/.exec(git(dir, 'show', `HEAD:${path}`))![1]!;

describe('fork', () => {
  let parent = '';
  let atFirstTake = '';
  const takeBytes = Buffer.alloc(256 * 1024, 7);

  beforeAll(async () => {
    parent = ProjectAnswer.parse((await call('POST', '/api/v1/projects', { name: 'Harbour' })).json()).id;
    await put(parent, [shot('s1', 'a harbour at dawn')]);
    await commitTake(dirOf(parent), TAKE, takeBytes);
    atFirstTake = git(dirOf(parent), 'rev-parse', 'HEAD');
    await put(parent, [shot('s1', 'a harbour at dusk'), shot('s2', 'gulls')]);
    await commitTake(dirOf(parent), LATER_TAKE, Buffer.alloc(64 * 1024, 9));
  });

  it("serves the media it inherited from its parent's store: the blob store behind the batch API finds it", async () => {
    const fork = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${parent}/fork`, { name: 'Harbour store' })).json());
    const oid = oidOf(dirOf(parent), TAKE);
    const store = filesystemBlobStore({ projectDir: dirOf(fork.id), objectsHref: '' });
    expect(await store.size(oid)).toBe(takeBytes.length);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(oid)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(takeBytes)).toBe(true);
    expect(await store.size('0'.repeat(64))).toBeNull();
  });

  it('keeps every commit up to the chosen one, names the parent and the actor, and gets its own uuid and slug', async () => {
    const res = await call('POST', `/api/v1/projects/${parent}/fork`, { commit: atFirstTake.slice(0, 10) });
    expect(res.statusCode, res.body).toBe(201);
    const fork = ProjectAnswer.parse(res.json());
    const parentManifest = ProjectDetail.parse((await call('GET', `/api/v1/projects/${parent}`)).json());
    expect(fork.id).not.toBe(parent);
    expect(fork.uuid).not.toBe(parentManifest.uuid);
    expect(fork.title).toBe('Harbour (fork)');
    expect(fork.forked_from).toEqual({ project: parent, commit: atFirstTake });
    expect(fork.tenant).toBeUndefined();

    const forkDir = dirOf(fork.id);
    const upTo = git(dirOf(parent), 'rev-list', atFirstTake).split('\n');
    const forkLog = git(forkDir, 'rev-list', 'HEAD').split('\n');
    expect(forkLog.slice(1)).toEqual(upTo);
    expect(git(forkDir, 'log', '-1', '--format=%s')).toBe(`Fork of Harbour at ${atFirstTake.slice(0, 7)}`);
    expect(git(forkDir, 'log', '-1', '--format=%an <%ae>')).toBe('Local user <local.local@local.studio>');
    // The canvas and takes are those of the chosen commit, not the parent's newest.
    const graph = ProjectDetail.parse((await call('GET', `/api/v1/projects/${fork.id}`)).json()).graph;
    expect(graph.nodes.map((n) => [n.id, (n.data as { prompt: string }).prompt])).toEqual([['s1', 'a harbour at dawn']]);
    expect(await readFile(join(forkDir, TAKE))).toEqual(takeBytes);
    await expect(stat(join(forkDir, LATER_TAKE))).rejects.toThrow();
    // A clean working tree: git trusts the index it was given and reads no media to check it.
    expect(git(forkDir, 'status', '--porcelain')).toBe('');
    expect(git(forkDir, 'fsck', '--connectivity-only', '--no-dangling', '--no-progress')).toBe('');
  });

  it('copies no media bytes: the take in the working tree is the parent LFS object itself (same inode), and the fork store holds none of it', async () => {
    const fork = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${parent}/fork`, { name: 'Harbour shared' })).json());
    const forkDir = dirOf(fork.id);
    const oid = oidOf(dirOf(parent), TAKE);
    const [inFork, parentObject] = await Promise.all([stat(join(forkDir, TAKE)), stat(lfsObject(dirOf(parent), oid))]);
    expect(inFork.ino).toBe(parentObject.ino);
    expect(inFork.dev).toBe(parentObject.dev);
    await expect(stat(lfsObject(forkDir, oid))).rejects.toThrow();
    // The take's sidecar is the parent's file too; both working trees stay clean.
    const sidecar = TAKE.replace(/\.png$/, '.json');
    expect((await stat(join(forkDir, sidecar))).ino).toBe((await stat(join(dirOf(parent), sidecar))).ino);
    expect(git(forkDir, 'status', '--porcelain')).toBe('');
    expect(git(dirOf(parent), 'status', '--porcelain')).toBe('');
    // git-lfs itself sees the media as present (it reads the parent's store through the alternates).
    expect(git(forkDir, 'lfs', 'ls-files')).toContain(`* ${TAKE}`);
    // Both takes: forked at the newest commit by default.
    expect((await stat(join(forkDir, LATER_TAKE))).size).toBe(64 * 1024);
    // Git objects are shared, not copied: the fork's object folder holds only its own fork commit.
    const count = git(forkDir, 'count-objects', '-v');
    expect(Number(/^count: (\d+)/m.exec(count)![1])).toBeLessThanOrEqual(4);
  });

  it('diverges: a change in the fork never shows in the parent, nor the other way round', async () => {
    const fork = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${parent}/fork`, {})).json());
    const parentHead = git(dirOf(parent), 'rev-parse', 'HEAD');
    await put(fork.id, [shot('s1', 'the fork goes its own way')]);
    await commitTake(dirOf(fork.id), '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take03.png', Buffer.alloc(1024, 3));
    expect(git(dirOf(parent), 'rev-parse', 'HEAD')).toBe(parentHead);
    const parentGraph = ProjectDetail.parse((await call('GET', `/api/v1/projects/${parent}`)).json()).graph;
    expect(parentGraph.nodes.map((n) => (n.data as { prompt: string }).prompt)).toEqual(['a harbour at dusk', 'gulls']);
    await expect(stat(join(dirOf(parent), '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take03.png'))).rejects.toThrow();

    const forkHead = git(dirOf(fork.id), 'rev-parse', 'HEAD');
    await put(parent, [shot('s1', 'the parent moves on')]);
    expect(git(dirOf(fork.id), 'rev-parse', 'HEAD')).toBe(forkHead);
    const forkGraph = ProjectDetail.parse((await call('GET', `/api/v1/projects/${fork.id}`)).json()).graph;
    expect(forkGraph.nodes.map((n) => (n.data as { prompt: string }).prompt)).toEqual(['the fork goes its own way']);
  });

  it('a fork of a fork still links its media to the one object and reads every ancestor', async () => {
    const child = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${parent}/fork`, { name: 'Child' })).json());
    const grandchild = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${child.id}/fork`, { name: 'Grandchild' })).json());
    const oid = oidOf(dirOf(parent), TAKE);
    expect((await stat(join(dirOf(grandchild.id), TAKE))).ino).toBe((await stat(lfsObject(dirOf(parent), oid))).ino);
    expect(grandchild.forked_from!.project).toBe(child.id);
    expect(git(dirOf(grandchild.id), 'status', '--porcelain')).toBe('');
    // The borrowed object folders are named relative to the fork: a workspace moved elsewhere still holds.
    const alternates = (await readFile(join(dirOf(grandchild.id), '.git/objects/info/alternates'), 'utf8')).trim().split('\n');
    const absolute = (id: string) => execFileSync('realpath', [join(dirOf(id), '.git/objects')], { encoding: 'utf8' }).trim();
    expect(alternates).toEqual([absolute(child.id), `../../../${child.id}/.git/objects`, absolute(parent), `../../../${parent}/.git/objects`]);
    const moved = `${ctx.workspace.home}-moved`;
    execFileSync('cp', ['-a', ctx.workspace.projectsDir, moved]);
    try {
      // As if the old place were gone: only the relative lines are left to follow.
      for (const id of [child.id, grandchild.id]) {
        const file = join(moved, id, '.git/objects/info/alternates');
        const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line && !line.startsWith('/'));
        await writeFile(file, lines.join('\n') + '\n');
      }
      expect(git(join(moved, grandchild.id), 'count-objects', '-v')).not.toContain(ctx.workspace.projectsDir);
      expect(git(join(moved, grandchild.id), 'rev-list', '--count', 'HEAD')).toBe(git(dirOf(grandchild.id), 'rev-list', '--count', 'HEAD'));
      expect(git(join(moved, grandchild.id), 'fsck', '--connectivity-only', '--no-dangling', '--no-progress')).toBe('');
      expect(git(join(moved, grandchild.id), 'status', '--porcelain')).toBe('');
    } finally {
      execFileSync('rm', ['-rf', moved]);
    }
    expect(git(dirOf(grandchild.id), 'log', '--format=%s').split('\n').slice(0, 2)).toEqual([
      `Fork of Child at ${git(dirOf(child.id), 'rev-parse', '--short=7', 'HEAD')}`,
      `Fork of Harbour at ${child.forked_from!.commit.slice(0, 7)}`,
    ]);
  });

  it('keeps a pointer whose media the parent lacks as a pointer, as it is in the parent', async () => {
    const id = ProjectAnswer.parse((await call('POST', '/api/v1/projects', { name: 'Pushed pointer' })).json()).id;
    const dir = dirOf(id);
    // A pointer committed without its object (as a push from a git client without LFS can leave it).
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 12345\n`;
    const path = '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take09.png';
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: pointer, encoding: 'utf8' }).trim();
    git(dir, 'update-index', '--add', '--cacheinfo', `100644,${blob},${path}`);
    await commitStaged(dir, 'A pointer without its media', [path]);
    const fork = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${id}/fork`, {})).json());
    expect(await readFile(join(dirOf(fork.id), path), 'utf8')).toBe(pointer);
    expect(git(dirOf(fork.id), 'ls-files', '-s', path)).toContain(blob);
  });

  it('commits edits still pending in the open room before forking at the newest commit', async () => {
    const room = await ctx.rooms.get(parent);
    expect(room.applyServerEdits([{ op: 'add_node', node: shot('pending', 'not yet committed') }])).toBe(true);
    const fork = ProjectAnswer.parse((await call('POST', `/api/v1/projects/${parent}/fork`, {})).json());
    const graph = ProjectDetail.parse((await call('GET', `/api/v1/projects/${fork.id}`)).json()).graph;
    expect(graph.nodes.map((n) => n.id)).toContain('pending');
  });

  it('refuses a hostile commit with 400 and an unknown one with 404 COMMIT_NOT_FOUND, and makes nothing', async () => {
    const before = (await listProjects({ workspace: ctx.workspace })).total;
    for (const commit of ['HEAD~1', '--output=/tmp/x', 'zzzz', '../../etc', 'abc', 'a'.repeat(65), 42]) {
      const res = await call('POST', `/api/v1/projects/${parent}/fork`, { commit } as object);
      expect(res.statusCode, String(commit)).toBe(400);
      expect(res.json().code).toBe('INVALID_REQUEST');
    }
    const unknown = await call('POST', `/api/v1/projects/${parent}/fork`, { commit: 'deadbeefdeadbeef' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'COMMIT_NOT_FOUND', commit: 'deadbeefdeadbeef' });
    // A blob of the project is an object, but not a commit of its history.
    const blob = git(dirOf(parent), 'rev-parse', 'HEAD:project.json');
    expect((await call('POST', `/api/v1/projects/${parent}/fork`, { commit: blob })).json().code).toBe('COMMIT_NOT_FOUND');
    expect((await call('POST', '/api/v1/projects/nope/fork', {})).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/projects/${parent}/fork`, { name: ' ' })).statusCode).toBe(400);
    expect((await call('POST', `/api/v1/projects/${parent}/fork`, { extra: 1 })).statusCode).toBe(400);
    expect((await listProjects({ workspace: ctx.workspace })).total).toBe(before);
  });

  it('belongs to the actor tenant: listed only there, and another tenant cannot fork the project', async () => {
    const alice: Actor = { kind: 'user', id: 'alice', name: 'Alice', tenant: 'acme' };
    const own = await createProject({ workspace: ctx.workspace, templatesDir: ctx.templatesDir, request: { name: 'Acme reel' }, tenant: 'acme', actor: alice });
    expect(own.manifest.tenant).toBe('acme');
    const fork = await forkProject({ workspace: ctx.workspace, queue: ctx.queue, parentId: own.id, actor: alice });
    expect(fork.manifest.tenant).toBe('acme');
    expect(git(fork.dir, 'log', '-1', '--format=%ae')).toBe('user.alice@acme.studio');
    const acme = (await listProjects({ workspace: ctx.workspace, tenant: 'acme' })).projects.map((p) => p.id).sort();
    expect(acme).toEqual([own.id, fork.id].sort());
    expect((await listProjects({ workspace: ctx.workspace, tenant: 'acme' })).projects.find((p) => p.id === fork.id)!.forked_from).toEqual({
      project: own.id,
      commit: git(own.dir, 'rev-parse', 'HEAD'),
    });
    const local = (await call('GET', '/api/v1/projects')).json() as Array<{ id: string }>;
    expect(local.map((p) => p.id)).not.toContain(own.id);
    expect(local.map((p) => p.id)).toContain(parent);
    await expect(forkProject({ workspace: ctx.workspace, queue: ctx.queue, parentId: own.id, actor: LOCAL_ACTOR })).rejects.toMatchObject({
      code: 'PROJECT_NOT_FOUND',
    });
  });
});
