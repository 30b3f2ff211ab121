import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor } from '@studio/node-schemas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../errors.ts';
import { filesystemBlobStore } from '../../storage/filesystem-blob-store.ts';
import { Readable } from 'node:stream';
import { gitAt, initRepository, readLog } from '../git.ts';
import { GitQueue } from '../git-queue.ts';
import { onCommit } from '../commit-notice.ts';
import { openProjectRepository } from './open-project-repository.ts';
import { RepositoryPathError } from './repository-errors.ts';
import { SCRATCH_DIR } from './tree-transaction.ts';

const alice: Actor = { kind: 'user', id: 'alice', name: 'Alice Lidell', tenant: 'acme' };
const ATTRIBUTES = '*.mp4 filter=lfs diff=lfs merge=lfs -text\n*.json text eol=lf\n';

let root = '';
let dir = '';
let queue: GitQueue;
const repo = () => openProjectRepository({ id: 'p', dir, queue });
const git = (...args: string[]) => gitAt(dir).raw(args);
/** What a failed commit must leave exactly as it was: HEAD, the index and the working tree (files and bytes). */
const snapshot = async () => ({
  head: (await git('rev-parse', 'HEAD')).trim(),
  index: (await git('ls-files', '-s')).trim(),
  status: (await git('status', '--porcelain', '--untracked-files=all')).trim(),
  files: Object.fromEntries(
    await Promise.all(
      (await readdir(dir, { recursive: true }))
        .filter((f) => !f.startsWith('.git/') && f !== '.git')
        .sort()
        .map(async (f) => {
          const info = await lstat(join(dir, f));
          const what = info.isSymbolicLink() ? `link to ${await readlink(join(dir, f))}` : info.isFile() ? await readFile(join(dir, f), 'utf8') : 'folder';
          return [f, what] as const;
        }),
    ),
  ),
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'repository-'));
  dir = join(root, 'project');
  await mkdir(dir);
  queue = new GitQueue();
  await initRepository(dir);
  await writeFile(join(dir, '.gitattributes'), ATTRIBUTES);
  await writeFile(join(dir, '.gitignore'), '06_Exports/\n*.studio-tmp\n');
  await writeFile(join(dir, 'a.json'), '{"a":1}\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the project repository', () => {
  it('commits every kind of change in one commit, authored by the actor, staging only those paths', async () => {
    const source = join(root, 'rendered.mp4');
    await writeFile(source, 'video bytes');
    await writeFile(join(dir, 'b.json'), '{"b":1}\n');
    await git('add', 'b.json'); // staged by someone else: not this commit's
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'logs', 'events.jsonl'), '{"n":1}\n');
    await git('add', 'logs');
    await git('commit', '-q', '-m', 'log', '--', 'logs');
    await writeFile(join(dir, 'placed.json'), '{"placed":true}\n');
    const notices: string[][] = [];
    const stop = onCommit((n) => void notices.push(n.paths === 'all' ? ['all'] : [...n.paths]));

    const hash = await repo().commit({
      actor: alice,
      message: 'Everything at once',
      files: [
        { path: 'a.json', content: '{"a":2}\n' },
        { path: 'Renders/cut.mp4', from: source },
        { path: 'logs/events.jsonl', append: '{"n":2}\n' },
        { path: 'placed.json', written: true },
      ],
    });
    stop();
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(hash);
    const [entry] = await readLog(dir, { limit: 1 });
    expect(entry).toMatchObject({ message: 'Everything at once', actor: alice });
    expect((await git('log', '-1', '--format=%cn')).trim()).toBe('Studio Engine');
    expect((await git('show', '--name-only', '--format=', 'HEAD')).trim().split('\n').sort()).toEqual([
      'Renders/cut.mp4',
      'a.json',
      'logs/events.jsonl',
      'placed.json',
    ]);
    // The LFS path went through LFS: a pointer in git, the bytes in the tree and the project's LFS store.
    const pointer = await git('cat-file', '-p', 'HEAD:Renders/cut.mp4');
    const oid = createHash('sha256').update('video bytes').digest('hex');
    expect(pointer).toContain(`oid sha256:${oid}`);
    expect(await readFile(join(dir, 'Renders/cut.mp4'), 'utf8')).toBe('video bytes');
    expect(await stat(source).catch(() => null)).toBeNull();
    expect(await readFile(join(dir, 'logs/events.jsonl'), 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    // What someone else staged is still staged, and not in the commit; the committed paths are clean.
    expect((await git('status', '--porcelain')).trim()).toBe('A  b.json');
    expect(notices).toEqual([['a.json', 'Renders/cut.mp4', 'logs/events.jsonl', 'placed.json']]);
    // Nothing of the transaction is left in .git.
    expect(await readdir(join(dir, SCRATCH_DIR))).toEqual([]);
  });

  it('answers null and makes no commit when the files already are what HEAD holds', async () => {
    const head = (await git('rev-parse', 'HEAD')).trim();
    expect(await repo().commit({ actor: alice, message: 'same', files: [{ path: 'a.json', content: '{"a":1}\n' }] })).toBeNull();
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(head);
    expect((await git('status', '--porcelain')).trim()).toBe('');
  });

  it('deletes files and whole folders, from the tree and from history', async () => {
    await repo().commit({
      actor: alice,
      message: 'add',
      files: [
        { path: 'x/one.json', content: '1' },
        { path: 'x/two.json', content: '2' },
      ],
    });
    await repo().commit({
      actor: alice,
      message: 'remove',
      files: [
        { path: 'x', delete: true },
        { path: 'a.json', delete: true },
      ],
    });
    expect((await git('ls-files')).trim().split('\n')).toEqual(['.gitattributes', '.gitignore']);
    expect(await stat(join(dir, 'x')).catch(() => null)).toBeNull();
    expect((await git('status', '--porcelain')).trim()).toBe('');
  });

  it('commits an object already in the blob store as its LFS pointer, and refuses one it lacks or a non-LFS path', async () => {
    const bytes = Buffer.from('a LoRA file');
    const oid = createHash('sha256').update(bytes).digest('hex');
    await filesystemBlobStore({ projectDir: dir, objectsHref: '' }).put({ oid, size: bytes.length, body: Readable.from([bytes]) });
    await repo().commit({ actor: alice, message: 'blob', files: [{ path: 'models/lora.mp4', blob: oid }] });
    expect(await git('cat-file', '-p', 'HEAD:models/lora.mp4')).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${bytes.length}\n`);
    expect(await readFile(join(dir, 'models/lora.mp4'), 'utf8')).toBe('a LoRA file');
    // The index holds the file's stat data (its size), so no later command hashes the bytes again (read before anything refreshes it).
    expect(await git('ls-files', '--debug', '--', 'models/lora.mp4')).toContain(`size: ${bytes.length}\t`);
    // git itself sees the working-tree bytes as that pointer: nothing modified.
    expect((await git('status', '--porcelain')).trim()).toBe('');
    expect(await stat(join(dir, '.git', 'info', 'attributes')).catch(() => null)).toBeNull();

    // Linked: the working-tree file is the object itself; a name with a space takes the plain index path.
    await repo().commit({
      actor: alice,
      message: 'linked',
      files: [
        { path: 'models/linked.mp4', blob: oid, link: true },
        { path: 'models/with space.mp4', blob: oid },
      ],
    });
    const object = join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    expect((await stat(join(dir, 'models/linked.mp4'))).ino).toBe((await stat(object)).ino);
    expect(await git('cat-file', '-p', 'HEAD:models/with space.mp4')).toContain(`oid sha256:${oid}`);
    expect((await git('status', '--porcelain')).trim()).toBe('');
    expect((await git('lfs', 'ls-files', '--name-only')).trim().split('\n').sort()).toEqual(['models/linked.mp4', 'models/lora.mp4', 'models/with space.mp4']);

    const before = await snapshot();
    await expect(repo().commit({ actor: alice, message: 'x', files: [{ path: 'models/b.mp4', blob: 'f'.repeat(64) }] })).rejects.toThrow(
      /not in the project's blob store/,
    );
    await expect(repo().commit({ actor: alice, message: 'x', files: [{ path: 'models/lora.json', blob: oid }] })).rejects.toThrow(/through LFS/);
    expect(await snapshot()).toEqual(before);
  });

  it('takes paths as names, never patterns: a file called *.json is committed alone', async () => {
    await writeFile(join(dir, 'other.json'), 'not this one');
    await repo().commit({
      actor: alice,
      message: 'star',
      files: [
        { path: '*.json', content: 'the star' },
        { path: ':(glob)x.json', content: 'magic' },
      ],
    });
    expect((await git('show', '--name-only', '--format=', 'HEAD')).trim().split('\n').sort()).toEqual([':(glob)x.json', '*.json'].sort());
    expect((await git('status', '--porcelain')).trim()).toBe('?? other.json');
  });

  it('refuses hostile paths with RepositoryPathError before writing anything', async () => {
    await mkdir(join(root, 'outside'));
    await symlink(join(root, 'outside'), join(dir, 'escape'));
    await symlink(join(root, 'outside', 'f.json'), join(dir, 'link.json'));
    await git('add', 'escape', 'link.json');
    await git('commit', '-q', '-m', 'links');
    const before = await snapshot();
    const hostile = [
      '/etc/passwd',
      '../outside/f.json',
      'a/../../outside/f.json',
      './a.json',
      'a//b.json',
      '',
      '.git/config',
      'sub/.GIT/hooks/post-commit',
      '.git ',
      'a\\..\\b',
      'C:/windows',
      'nul\0byte',
      'escape/f.json',
      'link.json',
    ];
    for (const path of hostile) {
      const error = await repo()
        .commit({
          actor: alice,
          message: 'evil',
          files: [
            { path: 'ok.json', content: 'fine' },
            { path, content: 'evil' },
          ],
        })
        .catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(RepositoryPathError);
      expect((error as StudioError).code).toBe('REPOSITORY_PATH_REFUSED');
      expect((error as StudioError).status).toBe(400);
    }
    await expect(repo().read('../outside/f.json')).rejects.toBeInstanceOf(RepositoryPathError);
    await expect(repo().read('escape/f.json')).rejects.toBeInstanceOf(RepositoryPathError);
    expect(await repo().exists('link.json')).toBe(false);
    // The same path twice, or a file inside a folder the same commit deletes.
    for (const files of [
      [
        { path: 'a.json', content: '1' },
        { path: 'a.json', content: '2' },
      ],
      [
        { path: 'x', delete: true as const },
        { path: 'x/y.json', content: '1' },
      ],
    ])
      await expect(repo().commit({ actor: alice, message: 'twice', files })).rejects.toBeInstanceOf(RepositoryPathError);
    expect(await readdir(join(root, 'outside'))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('a commit that fails in git leaves the tree and the index as they were, and the moved-in file where it was', async () => {
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'logs', 'events.jsonl'), '{"n":1}\n');
    await writeFile(join(dir, 'b.json'), 'staged\n');
    await git('add', 'logs', 'b.json');
    await git('commit', '-q', '-m', 'log', '--', 'logs');
    const source = join(root, 'take.mp4');
    await writeFile(source, 'take bytes');
    const before = await snapshot();
    // An ignored path makes `git add` fail after every other change was already made in the tree.
    const error = await repo()
      .commit({
        actor: alice,
        message: 'fails',
        files: [
          { path: 'a.json', content: '{"a":"new"}\n' },
          { path: 'new/deep/c.json', content: 'c' },
          { path: 'shots/take.mp4', from: source },
          { path: 'logs/events.jsonl', append: '{"n":2}\n' },
          { path: 'b.json', delete: true },
          { path: '06_Exports/out.json', content: 'ignored' },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('GIT_FAILED');
    expect(await snapshot()).toEqual(before);
    expect(await readFile(source, 'utf8')).toBe('take bytes');
    expect(await readdir(join(dir, SCRATCH_DIR))).toEqual([]);
  });

  it('a few text files take the short way with the same guarantees: only they are committed, and a failure changes nothing', async () => {
    await writeFile(join(dir, 'b.json'), 'staged by someone else\n');
    await git('add', 'b.json');
    const hash = await repo().commit({
      actor: alice,
      message: 'text',
      files: [
        { path: 'a.json', content: '{"a":5}\n' },
        { path: 'new.json', content: 'n' },
      ],
    });
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(hash);
    expect((await git('show', '--name-only', '--format=%an', 'HEAD')).trim().split('\n')).toEqual(['Alice Lidell', '', 'a.json', 'new.json']);
    expect((await git('status', '--porcelain')).trim()).toBe('A  b.json');
    const before = await snapshot();
    await expect(
      repo().commit({
        actor: alice,
        message: 'fails',
        files: [
          { path: 'a.json', content: 'changed' },
          { path: '06_Exports/x.json', content: 'ignored' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'GIT_FAILED' });
    expect(await snapshot()).toEqual(before);
  });

  it('an index left behind HEAD by a crash (commit made, index not yet replaced) is brought level by the next commit of those paths', async () => {
    const old = (await git('rev-parse', 'HEAD:a.json')).trim();
    await writeFile(join(dir, 'a.json'), '{"a":2}\n');
    await git('commit', '-q', '-am', 'the commit that landed');
    await git('update-index', '--cacheinfo', `100644,${old},a.json`);
    expect((await git('status', '--porcelain')).trim()).toBe('MM a.json');
    expect(await repo().commit({ actor: alice, message: 'same again', files: [{ path: 'a.json', content: '{"a":2}\n' }] })).toBeNull();
    expect((await git('status', '--porcelain')).trim()).toBe('');
  });

  it('runs commits in the project queue, and inside exclusive without waiting for itself', async () => {
    const r = repo();
    const order: string[] = [];
    let release!: () => void;
    const blocker = queue.run('p', () => new Promise<void>((resolve) => (release = resolve)).then(() => void order.push('blocker')));
    const commit = r.commit({ actor: alice, message: 'queued', files: [{ path: 'q.json', content: 'q' }] }).then(() => order.push('commit'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    release();
    await Promise.all([blocker, commit]);
    expect(order).toEqual(['blocker', 'commit']);

    const result = await r.exclusive(async (held) => {
      const old = await held.readText('a.json');
      // The outer handle inside its own exclusive turn: runs at once rather than deadlocking.
      await r.commit({ actor: alice, message: 'inner', files: [{ path: 'inner.json', content: 'i' }] });
      return held.commit({ actor: alice, message: 'read and write', files: [{ path: 'a.json', content: old.replace('1', '9') }] });
    });
    expect(result).toMatch(/^[0-9a-f]{40}$/);
    expect((await git('log', '-2', '--format=%s')).trim().split('\n')).toEqual(['read and write', 'inner']);
  });

  it('makes the first commit of a repository with no HEAD yet', async () => {
    const fresh = join(root, 'fresh');
    await mkdir(fresh);
    await initRepository(fresh);
    const r = openProjectRepository({ id: 'fresh', dir: fresh, queue });
    const hash = await r.commit({
      actor: alice,
      message: 'Create',
      files: [
        { path: 'project.json', content: '{}' },
        { path: 'Shots/.gitkeep', content: '' },
      ],
    });
    expect((await gitAt(fresh).raw(['rev-parse', 'HEAD'])).trim()).toBe(hash);
    expect((await gitAt(fresh).raw(['ls-files'])).trim().split('\n')).toEqual(['Shots/.gitkeep', 'project.json']);
    expect((await gitAt(fresh).raw(['status', '--porcelain'])).trim()).toBe('');

    // The same through the plumbing (a moved-in file takes it): a root commit too.
    const media = join(root, 'fresh-media');
    await mkdir(media);
    await initRepository(media);
    await writeFile(join(root, 'clip.bin'), 'bytes');
    const first = await openProjectRepository({ id: 'media', dir: media, queue }).commit({
      actor: alice,
      message: 'Create',
      files: [{ path: 'clip.bin', from: join(root, 'clip.bin') }],
    });
    expect((await gitAt(media).raw(['rev-list', '--parents', 'HEAD'])).trim()).toBe(first);
    expect((await gitAt(media).raw(['status', '--porcelain'])).trim()).toBe('');
  });

  it('delivers an ignored deliverable under its first free name, and refuses a tracked path', async () => {
    const make = async (text: string) => {
      const file = join(root, `${text}.mp4`);
      await writeFile(file, text);
      return file;
    };
    const name = (copy: number) => `06_Exports/cut${copy > 1 ? `-${copy}` : ''}.mp4`;
    expect(await repo().deliver({ name, from: await make('one') })).toBe('06_Exports/cut.mp4');
    expect(await repo().deliver({ name, from: await make('two') })).toBe('06_Exports/cut-2.mp4');
    expect(await readFile(join(dir, '06_Exports/cut.mp4'), 'utf8')).toBe('one');
    expect(await readFile(join(dir, '06_Exports/cut-2.mp4'), 'utf8')).toBe('two');
    await expect(repo().deliver({ name: () => 'Renders/cut.mp4', from: await make('three') })).rejects.toBeInstanceOf(RepositoryPathError);
    expect((await git('status', '--porcelain')).trim()).toBe('');
  });
});

describe('start-up recovery of a commit a crash cut short', () => {
  it('drops the scratch folder and the one-command pointer filters, and commits what the commit had written', async () => {
    const { recoverProject } = await import('../recover-project.ts');
    await mkdir(join(dir, SCRATCH_DIR, 'txn-1'), { recursive: true });
    await writeFile(join(dir, SCRATCH_DIR, 'txn-1', 'kept-0'), 'old');
    await mkdir(join(dir, '.git', 'info'), { recursive: true });
    await writeFile(join(dir, '.git', 'info', 'attributes'), 'keep.me binary\n/models/a.mp4 filter=studio-pointer-0\n');
    await writeFile(join(dir, 'a.json'), '{"a":"written before the crash"}\n');
    const report = await recoverProject(dir);
    expect(report.recoveredCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await readFile(join(dir, '.git', 'info', 'attributes'), 'utf8')).toBe('keep.me binary\n');
    expect(await readdir(join(dir, SCRATCH_DIR))).toEqual([]);
    expect((await git('show', 'HEAD:a.json')).trim()).toBe('{"a":"written before the crash"}');
    expect((await git('status', '--porcelain')).trim()).toBe('');
  });
});
