import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedPathsWithoutLinks } from './changed-paths.ts';

let dir = '';
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('changedPathsWithoutLinks', () => {
  it('names each path once, also a rename source that is back as a new file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'studio-changed-'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    await writeFile(join(dir, 'a.txt'), 'a\n');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'a');
    git('mv', 'a.txt', 'b.txt');
    await writeFile(join(dir, 'a.txt'), 'a again\n');
    const { paths } = await changedPathsWithoutLinks(dir);
    expect(paths.filter((p) => p === 'a.txt')).toHaveLength(1);
    expect(paths).toContain('b.txt');
  });
});
