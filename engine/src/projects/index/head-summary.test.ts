import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RENDERS_DIR } from '../layout.ts';
import { readHeadSummary } from './head-summary.ts';
import { readHeadSync } from './repository-head.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'head-summary-'));
  git('init', '-q', '-b', 'main');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });

async function commitFile(path: string, when: number): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), `${path} at ${when}\n`);
  git('add', '--', path);
  // Author and committer times differ: the index shows the committer's (%ct).
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-q', '-m', `add ${path}`], {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_DATE: `${when - 500} +0200`, GIT_COMMITTER_DATE: `${when} -0130` },
  });
}

/** What git itself says, as the index read it before head-summary.ts. */
function fromGit() {
  return {
    committedAt: Number(git('log', '-1', '--format=%ct').trim()),
    commits: Number(git('rev-list', '--count', 'HEAD').trim()),
    renderFiles: git('ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', RENDERS_DIR).split('\0').filter(Boolean),
  };
}

describe('readHeadSummary', () => {
  it('reads what git log, rev-list --count and ls-tree say from the loose objects, merges and nested render folders included', async () => {
    await commitFile('project.json', 1_700_000_000);
    await commitFile(`${RENDERS_DIR}/.gitkeep`, 1_700_000_100);
    git('checkout', '-q', '-b', 'side');
    await commitFile(`${RENDERS_DIR}/SC01/SHOT-010/SHOT-010_v01_take01.png`, 1_700_000_200);
    await commitFile(`${RENDERS_DIR}/SC01/SHOT-010/SHOT-010_v01_take01.json`, 1_700_000_300);
    git('checkout', '-q', 'main');
    await commitFile('notes/ünïcode name.txt', 1_700_000_400);
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', 'merge', '-q', '--no-ff', '-m', 'merge side', 'side'], {
      cwd: dir,
      env: { ...process.env, GIT_COMMITTER_DATE: '1700000500 +0000' },
    });
    const summary = readHeadSummary(dir, readHeadSync(dir)!);
    expect(summary).toEqual(fromGit());
    expect(summary).toMatchObject({ committedAt: 1_700_000_500, commits: 6 });
    expect(summary!.renderFiles).toHaveLength(3);
  });

  it('reads the same from objects packed by maintenance (deltas included), and leaves a pack it cannot read to git', async () => {
    await commitFile('project.json', 1_700_000_000);
    for (let i = 1; i <= 12; i++) await commitFile(`${RENDERS_DIR}/SC01/a_v01_take${String(i).padStart(2, '0')}.png`, 1_700_000_000 + i * 100);
    const loose = readHeadSummary(dir, readHeadSync(dir)!);
    expect(loose).toEqual(fromGit());
    git('repack', '-a', '-d', '-q', '-f', '--depth=50', '--window=50');
    git('prune-packed');
    expect(git('count-objects', '-v')).toMatch(/^count: 0$/m);
    expect(readHeadSummary(dir, readHeadSync(dir)!)).toEqual(loose);
    // A pack cut short: what it can no longer give is git's to answer (null), never an error.
    const pack = git('rev-parse', '--git-path', 'objects/pack').trim();
    const file = execFileSync('ls', [join(dir, pack)], { encoding: 'utf8' })
      .split('\n')
      .find((f) => f.endsWith('.pack'))!;
    await truncate(join(dir, pack, file), 200);
    expect(readHeadSummary(dir, readHeadSync(dir)!)).toBeNull();
  });

  it('leaves a shallow repository to git: its history ends where the clone cut it', async () => {
    await commitFile('project.json', 1_700_000_000);
    await writeFile(join(dir, '.git', 'shallow'), `${readHeadSync(dir)}\n`);
    expect(readHeadSummary(dir, readHeadSync(dir)!)).toBeNull();
  });
});
