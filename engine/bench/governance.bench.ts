import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/config.ts';
import { forkProject } from '../src/projects/fork-project.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { readLog } from '../src/projects/git.ts';
import { canvasChanges } from '../src/projects/history/change-cache.ts';
import { projectHistory } from '../src/projects/project-history.ts';
import { LOCAL_ACTOR } from '@studio/node-schemas';
import { projectWithHistory } from '../src/testing/history-fixture.ts';
import { projectWithTakes } from '../src/testing/history-takes-fixture.ts';
import { tempWorkspace } from '../src/testing/temp-workspace.ts';
import { median, reporter, type BenchResult } from './bench-result.ts';

const run = promisify(execFile);
const templatesDir = join(REPO_ROOT, 'templates');
/** GOVERNANCE_BENCH_QUICK=1: toy sizes, to check the suite itself in seconds. */
const QUICK = process.env.GOVERNANCE_BENCH_QUICK === '1';
const TAKES = QUICK ? 300 : 10_000;
const COMMITS = QUICK ? 500 : 10_000;
const PAGE = 100;
const SAMPLES = 5;
const FORK_SAMPLES = 3;

/** Disk used under a folder in KiB, each hard-linked inode counted once (du's rule), as the filesystem allocates it. */
async function diskKiB(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await work();
  return { ms: performance.now() - t, value };
}

/** Fork of a project with many takes: time and disk growth, against a plain `git clone --local` and a copy of the folder. */
async function forkRows(out: ReturnType<typeof reporter>): Promise<void> {
  const { workspace, cleanup } = await tempWorkspace();
  try {
    const parent = await projectWithTakes(workspace, templatesDir, 'Take heavy', { takes: TAKES });
    const queue = new GitQueue();
    const label = `${TAKES} takes of ${parent.mediaBytes / TAKES / 1024} KiB`;
    out.measured(`fork: media in the parent (${label})`, parent.mediaBytes / 1024 / 1024, 'MB');

    // Disk growth of the first fork; time as the median of FORK_SAMPLES forks of the same parent (a loaded machine varies).
    const before = await diskKiB(workspace.projectsDir);
    const first = await timed(() => forkProject({ workspace, queue, parentId: parent.id, actor: LOCAL_ACTOR }));
    const grown = (await diskKiB(workspace.projectsDir)) - before;
    const forkTimes = [first.ms];
    for (let i = 1; i < FORK_SAMPLES; i++) forkTimes.push((await timed(() => forkProject({ workspace, queue, parentId: parent.id, actor: LOCAL_ACTOR }))).ms);
    out.measured(`fork: time, median of ${FORK_SAMPLES} (${label})`, median(forkTimes), 'ms', { op: '<', value: 2000 });
    out.measured(`fork: disk growth (${label})`, grown / 1024, 'MB', { op: '<', value: 5 });
    out.measured(`fork: media files linked, not copied`, first.value.linkedMedia, 'files', { op: '==', value: TAKES });

    // The baseline git gives for free: objects hard-linked, media left as pointers (no LFS server to fetch them from).
    const cloneTimes: number[] = [];
    let cloneGrowth = 0;
    for (let i = 0; i < FORK_SAMPLES; i++) {
      const beforeClone = await diskKiB(workspace.home);
      const cloneDir = join(workspace.home, `baseline-clone-${i}`);
      cloneTimes.push(
        (await timed(() => run('git', ['clone', '--local', '--quiet', parent.dir, cloneDir], { env: { ...process.env, GIT_LFS_SKIP_SMUDGE: '1' } }))).ms,
      );
      if (i === 0) cloneGrowth = ((await diskKiB(workspace.home)) - beforeClone) / 1024;
    }
    out.measured(`baseline: git clone --local, media as pointers: time, median of ${FORK_SAMPLES}`, median(cloneTimes), 'ms', 'baseline');
    out.measured(`baseline: git clone --local, media as pointers: disk growth`, cloneGrowth, 'MB', 'baseline');

    const copyDir = join(workspace.home, 'baseline-copy');
    const beforeCopy = await diskKiB(workspace.home);
    const copy = await timed(() => run('cp', ['-a', parent.dir, copyDir]));
    out.measured(`baseline: cp -a of the project: time`, copy.ms, 'ms', 'baseline');
    out.measured(`baseline: cp -a of the project: disk growth`, ((await diskKiB(workspace.home)) - beforeCopy) / 1024, 'MB', 'baseline');
  } finally {
    await cleanup();
  }
}

/** The first History page of a long project, cold (no canvas change cached), against the same page without canvas changes. */
async function historyRows(out: ReturnType<typeof reporter>): Promise<void> {
  const { workspace, cleanup } = await tempWorkspace();
  try {
    const id = await projectWithHistory(workspace, templatesDir, 'Long history', { commits: COMMITS, nodes: 20, loose: true });
    const dir = join(workspace.projectsDir, id);
    const cold: number[] = [];
    const warm: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      canvasChanges.clear();
      cold.push((await timed(() => projectHistory({ workspace, id, limit: PAGE }))).ms);
      warm.push((await timed(() => projectHistory({ workspace, id, limit: PAGE }))).ms);
      plain.push((await timed(() => readLog(dir, { limit: PAGE }))).ms);
    }
    const label = `${COMMITS} commits (loose objects), ${PAGE} entries, canvas of 20 nodes`;
    out.measured(`history: first page with canvas changes, cold (${label})`, median(cold), 'ms', { op: '<', value: 200 });
    out.measured(`history: first page, canvas changes cached (${label})`, median(warm), 'ms');
    out.measured(`baseline: history first page without canvas changes (git log only)`, median(plain), 'ms', 'baseline');
  } finally {
    await cleanup();
  }
}

export async function benchGovernance(): Promise<BenchResult[]> {
  const out = reporter('governance');
  for (const [name, rows] of [
    ['fork', forkRows],
    ['history', historyRows],
  ] as const) {
    try {
      await rows(out);
    } catch (error) {
      out.unmeasured(name, '', (error as Error).message.split('\n').slice(0, 3).join(' '));
    }
  }
  return out.results;
}
