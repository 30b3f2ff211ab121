import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../errors.ts';
import { gitAt, initRepository } from '../git.ts';
import { GitQueue } from '../git-queue.ts';
import { openProjectRepository } from './open-project-repository.ts';

let root = '';
let dir = '';
const git = (...args: string[]) => gitAt(dir).raw(args);
const head = async () => (await git('rev-parse', 'HEAD')).trim();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'index-lock-'));
  dir = join(root, 'project');
  await mkdir(dir);
  await initRepository(dir);
  await writeFile(join(dir, 'a.json'), '{"a":1}\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** `git status` run over and over, as someone looking at the project folder in a terminal or an IDE does; it rewrites the index when it refreshes it. */
function statusLoop(): { stop: () => Promise<number> } {
  let running = true;
  const loop = (async () => {
    let runs = 0;
    while (running) {
      await new Promise((resolve) => spawn('git', ['status', '--porcelain'], { cwd: dir, stdio: 'ignore' }).on('exit', resolve));
      runs++;
    }
    return runs;
  })();
  return {
    stop: async () => {
      running = false;
      return loop;
    },
  };
}

describe("the project repository and other git processes on the project's index", () => {
  it('keeps every committed file in the index while git status runs beside the commits (a stale index put back by status lost files)', async () => {
    const repository = openProjectRepository({ id: 'p', dir, queue: new GitQueue() });
    const lookers = [statusLoop(), statusLoop()];
    // New files through the text path (git commit --only) and, every fifth, with a move through the plumbing (commit-tree).
    for (let i = 0; i < 120; i++) {
      const moved = join(root, `moved-${i}`);
      if (i % 5 === 0) await writeFile(moved, `moved ${i}\n`);
      await repository.commit({
        actor: undefined,
        message: `commit ${i}`,
        files: i % 5 === 0 ? [{ path: `moved/${i}.txt`, from: moved }] : [{ path: `log/${i}.jsonl`, append: `${i}\n` }],
      });
    }
    const runs = await Promise.all(lookers.map((l) => l.stop()));
    expect(runs.every((n) => n > 0)).toBe(true);
    expect((await git('status', '--porcelain', '--untracked-files=all')).trim()).toBe('');
    expect((await git('ls-files')).split('\n').filter(Boolean)).toHaveLength(121);
  }, 300_000);

  it("refuses a commit with REPOSITORY_INDEX_LOCKED, changing nothing, when another process holds the index past the wait, and leaves that process's lock alone", async () => {
    const lock = join(dir, '.git', 'index.lock');
    await writeFile(lock, 'held by someone else');
    const before = await head();
    const repository = openProjectRepository({ id: 'p', dir, queue: new GitQueue(), indexLockWaitMs: 300 });
    const refused = await repository
      .commit({ actor: undefined, message: 'blocked', files: [{ path: 'a.json', content: '{"a":2}\n' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StudioError);
    expect(refused).toMatchObject({ code: 'REPOSITORY_INDEX_LOCKED', status: 503, data: { waited_ms: 300 } });
    expect(await head()).toBe(before);
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}\n');
    expect(await readFile(lock, 'utf8')).toBe('held by someone else');
  });

  it('waits for a lock another process lets go of, then commits, and takes its own lock away', async () => {
    const lock = join(dir, '.git', 'index.lock');
    await writeFile(lock, '');
    const repository = openProjectRepository({ id: 'p', dir, queue: new GitQueue(), indexLockWaitMs: 60_000 });
    const commit = repository.commit({ actor: undefined, message: 'after the wait', files: [{ path: 'b.json', content: '{}\n' }] });
    let settled = false;
    void commit.finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await rm(lock);
    expect(await commit).toBe(await head());
    expect((await git('status', '--porcelain')).trim()).toBe('');
    expect(await stat(lock).catch(() => null)).toBeNull();
  });
});
