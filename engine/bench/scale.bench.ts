import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleGit } from 'simple-git';
import { REPO_ROOT } from '../src/config.ts';
import { readIndexEntry } from '../src/projects/index/index-entry.ts';
import { workspaceIndex } from '../src/projects/index/workspace-index.ts';
import { prepareEngineBundle } from '../src/server/engine-bundle.ts';
import { listProjects } from '../src/projects/list-projects.ts';
import { maintainRepository } from '../src/projects/git-maintenance.ts';
import { GitQueue } from '../src/projects/git-queue.ts';
import { readLog, runGit } from '../src/projects/git.ts';
import { readManifest } from '../src/projects/manifest-file.ts';
import { listProjectIds, projectPath, workspaceAt, ensureWorkspace, type Workspace } from '../src/projects/workspace.ts';
import { PipelineCatalogue } from '../src/runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../src/runner/process-backend.ts';
import { buildApp } from '../src/server/app.ts';
import { NO_FEATURES } from '../src/server/context.ts';
import { RoomRegistry } from '../src/sync/room-registry.ts';
import { manyProjects, projectWithHistory } from '../src/testing/history-fixture.ts';
import { testSettings } from '../src/testing/test-settings.ts';
import { launchChromium } from '../../web/e2e/browser.ts';
import { median, round, type BenchResult } from './bench-result.ts';

const BENCH = 'scale';
const templatesDir = join(REPO_ROOT, 'templates');
/** SCALE_BENCH_QUICK=1 runs every row at toy sizes, to check the suite itself in a minute. */
const QUICK = process.env.SCALE_BENCH_QUICK === '1';
const PROJECT_COUNTS = QUICK ? [2, 3, 5] : [10, 100, 500];
const COMMIT_COUNTS = QUICK ? [50, 100, 200] : [1000, 3000, 10000];
const NODE_COUNTS = QUICK ? [50, 100, 200] : [1000, 2500, 5000];
const LARGEST_PROJECTS = PROJECT_COUNTS.at(-1)!;

type Goal = { op: '<' | '<=' | '>' | '>='; value: number } | 'baseline';

/** A result line; `goal` travels as data for `npm run bench` to compare (bench-result.ts checked()). */
function result(metric: string, value: number, unit: string, goal?: Goal, note?: string): BenchResult {
  const target = goal === undefined ? '' : goal === 'baseline' ? 'baseline' : `${goal.op} ${goal.value}${unit ? ` ${unit}` : ''}`;
  return {
    bench: BENCH,
    metric,
    value: Number.isFinite(value) ? round(value) : null,
    unit,
    target,
    ...(typeof goal === 'object' ? { goal } : {}),
    ...(note ? { note } : {}),
  } as BenchResult;
}

/** A row that could not be measured, and why: printed, never silently left out. */
function unmeasured(metric: string, reason: string): BenchResult {
  return { bench: BENCH, metric, value: null, unit: '', target: '', unmeasured: reason } as BenchResult;
}

/** Runs one group of rows; a group that fails is reported as unmeasured and the others still run. */
async function group(out: BenchResult[], name: string, rows: () => Promise<void>): Promise<void> {
  try {
    await rows();
  } catch (error) {
    out.push(unmeasured(name, (error as Error).message.split('\n').slice(0, 3).join(' ')));
  }
}

/** Removes a workspace this process served: its index stops watching and writes first (a write landing mid-removal made it ENOTEMPTY). */
async function removeWorkspace(workspace: Workspace): Promise<void> {
  await workspaceIndex(workspace).close();
  await rm(workspace.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

async function medianOf(times: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await timed(work));
  return median(samples);
}

/** The engine as `npm start` builds it (in this process), serving the built web app. */
async function serve(workspace: Workspace): Promise<{ app: FastifyInstance; base: string }> {
  const queue = new GitQueue();
  const app = await buildApp({
    workspace,
    queue,
    rooms: new RoomRegistry(workspace, queue),
    templatesDir,
    webBuildDir: join(REPO_ROOT, 'web', 'build'),
    token: null,
    features: NO_FEATURES,
    catalogue: new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]),
    backends: [new ProcessBackend()],
    settings: testSettings(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${address.port}` };
}

/**
 * The list as it was before the workspace index (the baseline of the same run): per project, on
 * every request, project.json plus two simple-git processes, one of them the latest-take walk.
 */
async function listWithoutIndex(workspace: Workspace): Promise<number> {
  const pictures = ['png', 'jpg', 'jpeg', 'webp', 'mp4', 'mov', 'webm'].map((ext) => `:(glob,icase)03_Renders/**/*.${ext}`);
  const ids = await listProjectIds(workspace);
  const rows = await Promise.all(
    ids.map(async (id) => {
      const dir = projectPath(workspace, id);
      const git = simpleGit({ baseDir: dir, maxConcurrentProcesses: 4 });
      const [manifest, time] = await Promise.all([
        readManifest(dir),
        git.raw(['log', '--max-count=1', '--format=%cI']),
        git.raw(['log', '-1', '--diff-filter=A', '--name-only', '--format=', '--', ...pictures]),
      ]);
      return { id, title: manifest.title, time };
    }),
  );
  return rows.length;
}

async function projectListRows(out: BenchResult[], workspaces: Map<number, Workspace>) {
  const warm: number[] = [];
  for (const count of PROJECT_COUNTS) {
    const workspace = workspaces.get(count)!;
    const { app, base } = await serve(workspace);
    try {
      const list = () => fetch(`${base}/api/v1/projects`).then((r) => r.json());
      const cold = await timed(list);
      const ms = await medianOf(15, list);
      const page = await medianOf(15, () => fetch(`${base}/api/v1/projects?limit=48`).then((r) => r.json()));
      const before = await timed(() => listWithoutIndex(workspace));
      warm.push(ms);
      out.push(
        result(`list_${count}_projects_without_index_ms`, before, 'ms', 'baseline', 'two simple-git processes per project per request, as before the index'),
      );
      out.push(
        result(`list_${count}_projects_first_ms`, cold, 'ms', undefined, 'the first list of a workspace the index has never seen: every entry read from git'),
      );
      out.push(result(`list_${count}_projects_ms`, ms, 'ms', count === LARGEST_PROJECTS ? { op: '<', value: 50 } : undefined));
      out.push(result(`list_${count}_projects_first_page_ms`, page, 'ms'));
      out.push(result(`list_${count}_projects_vs_without_index`, ms / before, 'ratio'));
    } finally {
      await app.close();
    }
  }
  out.push(result(`list_projects_growth_${LARGEST_PROJECTS}_vs_${PROJECT_COUNTS[0]}`, warm.at(-1)! / warm[0]!, 'ratio', undefined, 'flat would be 1'));
}

/**
 * The first list of a workspace whose repositories git maintenance has packed (as the engine's own
 * maintenance leaves them over months): every entry read from pack files, against the same
 * projects loose, in the same run.
 */
async function packedListRows(out: BenchResult[]) {
  const cold: Record<'loose' | 'packed', number> = { loose: 0, packed: 0 };
  for (const state of ['loose', 'packed'] as const) {
    const workspace = workspaceAt(await mkdtemp(join(tmpdir(), `studio-scale-${state}-`)));
    await ensureWorkspace(workspace);
    try {
      await manyProjects(workspace, templatesDir, LARGEST_PROJECTS);
      if (state === 'packed') {
        const ids = await listProjectIds(workspace);
        for (let i = 0; i < ids.length; i += 4)
          await Promise.all(ids.slice(i, i + 4).map((id) => runGit(projectPath(workspace, id), ['gc', '-q', '--prune=now'])));
      }
      const { app, base } = await serve(workspace);
      try {
        cold[state] = await timed(() => fetch(`${base}/api/v1/projects`).then((r) => r.json()));
      } finally {
        await app.close();
      }
    } finally {
      await removeWorkspace(workspace);
    }
  }
  out.push(result(`list_${LARGEST_PROJECTS}_loose_projects_first_ms`, cold.loose, 'ms', 'baseline', 'the first list, every repository loose'));
  out.push(
    result(
      `list_${LARGEST_PROJECTS}_packed_projects_first_ms`,
      cold.packed,
      'ms',
      undefined,
      'the same projects after git gc: every entry read from its pack files in the engine',
    ),
  );
  out.push(result(`list_${LARGEST_PROJECTS}_packed_vs_loose_first`, cold.packed / cold.loose, 'ratio'));
}

async function longHistoryRows(out: BenchResult[]) {
  const inList: number[] = [];
  for (const commits of COMMIT_COUNTS) {
    const home = await mkdtemp(join(tmpdir(), 'studio-scale-history-'));
    const workspace = workspaceAt(home);
    await ensureWorkspace(workspace);
    try {
      const id = await projectWithHistory(workspace, templatesDir, `History ${commits}`, { commits, loose: commits === COMMIT_COUNTS.at(-1) });
      const dir = projectPath(workspace, id);
      const { app, base } = await serve(workspace);
      try {
        const rebuild = await timed(() => readIndexEntry(dir));
        await fetch(`${base}/api/v1/projects`);
        const http = await medianOf(15, () => fetch(`${base}/api/v1/projects`).then((r) => r.json()));
        const ms = await medianOf(15, () => listProjects({ workspace }));
        const before = await medianOf(3, () => listWithoutIndex(workspace));
        inList.push(ms);
        out.push(result(`project_${commits}_commits_in_list_without_index_ms`, before, 'ms', 'baseline'));
        out.push(
          result(
            `project_${commits}_commits_in_list_ms`,
            ms,
            'ms',
            commits === COMMIT_COUNTS.at(-1) ? { op: '<', value: 5 } : undefined,
            'what listing it costs the engine (listProjects)',
          ),
        );
        out.push(result(`project_${commits}_commits_list_request_ms`, http, 'ms', undefined, 'the whole GET /api/v1/projects round trip'));
        out.push(
          result(
            `project_${commits}_commits_index_rebuild_ms`,
            rebuild,
            'ms',
            undefined,
            'only when HEAD moved behind the engine: git log, rev-list --count, ls-tree',
          ),
        );
      } finally {
        await app.close();
      }
      if (commits === COMMIT_COUNTS.at(-1)) await maintenanceRows(out, dir, commits);
    } finally {
      await removeWorkspace(workspace);
    }
  }
  out.push(result(`project_in_list_growth_${COMMIT_COUNTS.at(-1)}_vs_${COMMIT_COUNTS[0]}_commits`, inList.at(-1)! / inList[0]!, 'ratio'));
}

/** Clone and history of a repository of loose objects, before and after git maintenance. */
async function maintenanceRows(out: BenchResult[], dir: string, commits: number) {
  const cloneTo = await mkdtemp(join(tmpdir(), 'studio-scale-clone-'));
  const clone = async () => {
    await rm(join(cloneTo, 'c'), { recursive: true, force: true });
    await runGit(cloneTo, ['-c', 'lfs.fetchexclude=*', 'clone', '--no-local', '-q', '--no-checkout', dir, 'c']);
  };
  const page = () => readLog(dir, { limit: 100 });
  const walk = () => runGit(dir, ['log', '--format=%H']);
  const loose = async () => Number(/^count: (\d+)$/m.exec(await runGit(dir, ['count-objects', '-v']))![1]);
  try {
    const looseBefore = await loose();
    const [cloneBefore, pageBefore, walkBefore] = [await medianOf(3, clone), await medianOf(9, page), await medianOf(5, walk)];
    const maintain = await timed(() => maintainRepository(dir));
    const [cloneAfter, pageAfter, walkAfter] = [await medianOf(3, clone), await medianOf(9, page), await medianOf(5, walk)];
    out.push(result(`maintenance_${commits}_commits_loose_objects_before`, looseBefore, 'objects'));
    out.push(result(`maintenance_${commits}_commits_loose_objects_after`, await loose(), 'objects'));
    out.push(
      result(`maintenance_${commits}_commits_run_ms`, maintain, 'ms', undefined, 'repack -d, incremental-repack, commit-graph; in the project queue when idle'),
    );
    out.push(result(`clone_${commits}_commits_before_maintenance_ms`, cloneBefore, 'ms', 'baseline'));
    out.push(result(`clone_${commits}_commits_after_maintenance_ms`, cloneAfter, 'ms'));
    out.push(result(`clone_after_vs_before_maintenance`, cloneAfter / cloneBefore, 'ratio', { op: '<', value: 1 }));
    out.push(result(`history_page_${commits}_commits_before_maintenance_ms`, pageBefore, 'ms', 'baseline'));
    out.push(result(`history_page_${commits}_commits_after_maintenance_ms`, pageAfter, 'ms'));
    out.push(result(`history_walk_${commits}_commits_before_maintenance_ms`, walkBefore, 'ms', 'baseline'));
    out.push(result(`history_walk_${commits}_commits_after_maintenance_ms`, walkAfter, 'ms'));
    out.push(result(`history_walk_after_vs_before_maintenance`, walkAfter / walkBefore, 'ratio', { op: '<', value: 1 }));
  } finally {
    await rm(cloneTo, { recursive: true, force: true });
  }
}

/** simple-git's wait after a command that prints nothing, against execFile, on a clean `git status`. */
async function silentCommandRows(out: BenchResult[], dir: string) {
  const args = ['status', '--porcelain', '--untracked-files=all'];
  const withSimpleGit = await medianOf(20, () => simpleGit({ baseDir: dir }).raw(args));
  const withExecFile = await medianOf(20, () => runGit(dir, args));
  out.push(result('silent_git_status_simple_git_ms', withSimpleGit, 'ms', 'baseline'));
  out.push(result('silent_git_status_execfile_ms', withExecFile, 'ms', { op: '<', value: withSimpleGit - 40 }, 'what the engine runs now'));
}

/** The command `npm start` runs after its bootstrap (package.json), so the start-up rows measure what a user starts. */
async function npmStartCommand(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const command = pkg.scripts.start.split('&&').at(-1)!.trim().split(/\s+/);
  if (command[0] !== 'node') throw new Error(`npm start runs ${command[0]}, not node: ${pkg.scripts.start}`);
  return command.slice(1);
}

interface StartedEngine {
  ms: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts the engine as `npm start` does (its own process group) and times it until the first page of the list answers. */
async function startEngine(args: string[], home: string): Promise<StartedEngine> {
  // Built beforehand, as the first start after a change of the sources builds it once (others' edits during the run would otherwise land in a measured start).
  await prepareEngineBundle();
  const t = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', STUDIO_HOME: home },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // gone
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  while (!(url = /listening: (http:\/\/\S+)/.exec(out)?.[1]) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (!url) {
    await stop();
    throw new Error(`engine did not start: ${out.slice(0, 500)}`);
  }
  const res = await fetch(`${new URL(url).origin}/api/v1/projects?limit=48`);
  if (!res.ok) throw new Error(`list answered ${res.status}`);
  await res.json();
  return { ms: performance.now() - t, output: () => out, stop };
}

/**
 * `npm start` until the first page of the list answers, at each workspace size, twice: the first
 * start of a workspace no engine has run (every project is recovered in the background meanwhile),
 * and a restart after that engine stopped cleanly (nothing to recover).
 */
async function startupRows(out: BenchResult[], workspaces: Map<number, Workspace>) {
  const args = await npmStartCommand();
  const firstTimes: number[] = [];
  const restartTimes: number[] = [];
  const start = (home: string) => startEngine(args, home);
  for (const count of PROJECT_COUNTS) {
    const home = workspaces.get(count)!.home;
    const first = await start(home);
    try {
      firstTimes.push(first.ms);
      out.push(
        result(
          `startup_${count}_projects_until_it_answers_ms`,
          first.ms,
          'ms',
          { op: '<', value: 2000 },
          'first start: every project recovered in the background',
        ),
      );
      // A stop before recovery finished leaves the next start to recover again: wait for it.
      const deadline = Date.now() + 600_000;
      while (!/Recovery (done|: none needed)/.test(first.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!/Recovery (done|: none needed)/.test(first.output())) throw new Error(`recovery of ${count} projects did not finish`);
    } finally {
      await first.stop();
    }
    const again = await start(home);
    try {
      if (!again.output().includes('none needed after a clean stop')) {
        // The line comes after listening: give it a moment before calling the restart unclean.
        await new Promise((r) => setTimeout(r, 2000));
        if (!again.output().includes('none needed after a clean stop')) throw new Error('the restart after a clean stop recovered again');
      }
      restartTimes.push(again.ms);
      out.push(result(`restart_${count}_projects_until_it_answers_ms`, again.ms, 'ms', { op: '<', value: 2000 }, 'after a clean stop: nothing to recover'));
    } finally {
      await again.stop();
    }
  }
  out.push(
    result(
      `startup_growth_${LARGEST_PROJECTS}_vs_${PROJECT_COUNTS[0]}_projects`,
      firstTimes.at(-1)! / firstTimes[0]!,
      'ratio',
      undefined,
      'independent of the count would be 1',
    ),
  );
  out.push(result(`restart_growth_${LARGEST_PROJECTS}_vs_${PROJECT_COUNTS[0]}_projects`, restartTimes.at(-1)! / restartTimes[0]!, 'ratio'));
}

async function dashboardRows(out: BenchResult[], workspaces: Map<number, Workspace>) {
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (const count of PROJECT_COUNTS) {
      const { app, base } = await serve(workspaces.get(count)!);
      try {
        await fetch(`${base}/api/v1/projects`);
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
          await page.goto(base, { waitUntil: 'commit' });
          const handle = await page.waitForFunction(
            (n) => document.querySelectorAll('a.card[data-project-id]').length >= n && performance.now(),
            Math.min(48, count),
            { polling: 'raf', timeout: 60_000 },
          );
          samples.push((await handle.jsonValue()) as number);
          await page.close();
        }
        const ms = median(samples);
        times.push(ms);
        out.push(
          result(
            `dashboard_${count}_projects_first_screen_ms`,
            ms,
            'ms',
            count === LARGEST_PROJECTS ? { op: '<', value: 500 } : undefined,
            'navigation start until the first page of cards is in the DOM',
          ),
        );
      } finally {
        await app.close();
      }
    }
  } finally {
    await browser.close();
  }
  out.push(result(`dashboard_growth_${LARGEST_PROJECTS}_vs_${PROJECT_COUNTS[0]}_projects`, times.at(-1)! / times[0]!, 'ratio'));
}

function graphOf(count: number) {
  return {
    nodes: Array.from({ length: count }, (_, i) => ({
      id: `n${i}`,
      type: 'shot',
      position: { x: (i % 50) * 320, y: Math.floor(i / 50) * 520 },
      data: {
        scene: `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`,
        shot: `SHOT_${String(10 + (i % 100) * 10).padStart(4, '0')}`,
        prompt: `shot ${i}`,
      },
    })),
    edges: [],
  };
}

async function canvasRows(out: BenchResult[]) {
  const home = await mkdtemp(join(tmpdir(), 'studio-scale-canvas-'));
  const workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  const browser = await launchChromium();
  const { app, base } = await serve(workspace);
  const times: number[] = [];
  try {
    for (const count of NODE_COUNTS) {
      const { id } = (await (
        await fetch(`${base}/api/v1/projects`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Canvas ${count}` }),
        })
      ).json()) as { id: string };
      const saved = await fetch(`${base}/api/v1/projects/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graph: graphOf(count), version: 1 }),
      });
      if (!saved.ok) throw new Error(`cannot save the ${count}-node graph: ${await saved.text()}`);
      const samples: number[] = [];
      let mounted = 0;
      for (let i = 0; i < 3; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`${base}/projects/${id}`, { waitUntil: 'commit' });
        const handle = await page.waitForFunction(
          () => {
            const nodes = document.querySelectorAll('.svelte-flow__node');
            if (!nodes.length) return false;
            for (const el of nodes) if ((el as HTMLElement).style.visibility === 'hidden') return false;
            return [performance.now(), nodes.length];
          },
          undefined,
          { polling: 'raf', timeout: 120_000 },
        );
        const [ms, nodes] = (await handle.jsonValue()) as [number, number];
        samples.push(ms);
        mounted = nodes;
        await page.close();
      }
      const ms = median(samples);
      times.push(ms);
      out.push(
        result(
          `canvas_open_${count}_nodes_ms`,
          ms,
          'ms',
          count === NODE_COUNTS.at(-1) ? { op: '<', value: 1500 } : undefined,
          'navigation start until the first view is mounted and measured',
        ),
      );
      out.push(result(`canvas_open_${count}_nodes_mounted`, mounted, 'nodes'));
    }
  } finally {
    await app.close();
    await browser.close();
    await removeWorkspace(workspace);
  }
  out.push(result(`canvas_open_growth_${NODE_COUNTS.at(-1)}_vs_${NODE_COUNTS[0]}_nodes`, times.at(-1)! / times[0]!, 'ratio'));
}

/** `npm run bench -- scale`: each row of issue 18's table at three sizes, with its growth ratio. */
export async function benchScale(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const workspaces = new Map<number, Workspace>();
  try {
    for (const count of PROJECT_COUNTS) {
      const workspace = workspaceAt(await mkdtemp(join(tmpdir(), `studio-scale-${count}-`)));
      await ensureWorkspace(workspace);
      await manyProjects(workspace, templatesDir, count);
      workspaces.set(count, workspace);
    }
    const smallest = workspaces.get(PROJECT_COUNTS[0]!)!;
    const first = projectPath(smallest, (await listProjectIds(smallest))[0]!);
    await group(out, 'silent_git_command', () => silentCommandRows(out, first));
    await group(out, 'list_projects', () => projectListRows(out, workspaces));
    await group(out, 'list_packed_projects', () => packedListRows(out));
    await group(out, 'dashboard_first_screen', () => dashboardRows(out, workspaces));
    await group(out, 'startup_until_it_answers', () => startupRows(out, workspaces));
    await group(out, 'project_with_long_history', () => longHistoryRows(out));
    await group(out, 'canvas_open', () => canvasRows(out));
  } finally {
    for (const workspace of workspaces.values()) await removeWorkspace(workspace);
  }
  return out;
}
