import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_ACTOR, type Actor } from '@studio/node-schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { commitPaths, commitStaged, commitTracked, gitAt, initRepository, readLog } from './git.ts';

const alice: Actor = { kind: 'user', id: 'alice', name: 'Alice Lidell', tenant: 'acme' };
const worker: Actor = { kind: 'worker', id: 'gpu-3', name: 'gpu-3', tenant: 'acme', job: 'gen-1' };

describe('commits name their actor as the git author', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('each commit function records its actor, history reads it back, and no actor means the engine', async () => {
    dir = await mkdtemp(join(tmpdir(), 'actor-'));
    await initRepository(dir);
    await writeFile(join(dir, 'a.txt'), '1');
    await commitPaths(dir, 'first', ['a.txt'], alice);
    await writeFile(join(dir, 'a.txt'), '2');
    await commitTracked(dir, 'second', ['a.txt'], LOCAL_ACTOR);
    await writeFile(join(dir, 'b.txt'), '3');
    await gitAt(dir).raw(['add', 'b.txt']);
    await commitStaged(dir, 'third', undefined, worker);
    await writeFile(join(dir, 'a.txt'), '4');
    await commitTracked(dir, 'fourth', ['a.txt']);
    const log = await readLog(dir, { limit: 10 });
    expect(log.map((e) => e.message)).toEqual(['fourth', 'third', 'second', 'first']);
    expect(log[3]!.actor).toEqual({ kind: 'user', id: 'alice', name: 'Alice Lidell', tenant: 'acme' });
    expect(log[2]!.actor).toEqual({ kind: 'local', id: 'local', name: 'Local user', tenant: 'local' });
    expect(log[1]!.actor).toMatchObject({ kind: 'worker', id: 'gpu-3', tenant: 'acme' });
    expect(log[0]!.actor).toBeNull();
    expect(log[0]!.author).toBe('Studio Engine');
    // The committer stays the engine whoever the author is.
    expect((await gitAt(dir).raw(['log', '-1', '--skip=3', '--format=%cn'])).trim()).toBe('Studio Engine');
  });
});
