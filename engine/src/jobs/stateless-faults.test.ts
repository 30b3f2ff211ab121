import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsckErrors } from '../testing/hardening/take-audit.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { FAULT_POINTS, type FaultPoint } from './stateless/fault-point.ts';

/*
 * Stateless workers' faults, each at an exact moment: the engine or the worker stops at a named
 * fault point (stateless/fault-point.ts, armed by the environment, tests only) and is SIGKILLed
 * there. Whatever the moment, the generation yields exactly one take, no job ref is left behind
 * and the repository is sound.
 */
let engineHome: string;
let workerHome: string;
let markers: string;
let engine: SpawnedEngine;
const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000' };
let enginePort = '';
const engineEnv = (fault: Record<string, string> = {}) => ({ ...common, STUDIO_HOME: engineHome, STUDIO_LOCAL_WORKER: '0', PORT: enginePort, ...fault });
const SHOT = '03_Renders/SCENE_01/SHOT_010';

async function freePort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

/** The environment that arms one fault point, with a marker file of its own. */
function armed(point: FaultPoint): { env: Record<string, string>; marker: string } {
  const marker = join(markers, `${point.replace(/\W/g, '_')}-${Date.now()}`);
  return { env: { STUDIO_FAULT_PAUSE: point, STUDIO_FAULT_MARKER: marker }, marker };
}

async function reached(marker: string, point: FaultPoint, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readFile(marker, 'utf8').catch(() => '')).includes(point)) {
    if (Date.now() > deadline) throw new Error(`fault point ${point} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process and everything it started, as `ps` sees them now. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** The machine dies: the process and its git children, all SIGKILLed at once. */
function killTree(pid: number): void {
  for (const p of processTree(pid))
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
}

/** Exactly one take of the shot, committed once on main, its bytes the pipeline's; no job ref; fsck clean. */
async function expectOneSoundTake(dir: string): Promise<void> {
  const files = (await readdir(join(dir, SHOT))).filter((f) => !f.endsWith('.json'));
  expect(files).toEqual(['SHOT-010_v01_take01.png']);
  expect(await readFile(join(dir, SHOT, files[0]!), 'utf8')).toBe('x');
  expect(git(dir, 'log', '--format=%H', '--diff-filter=A', 'main', '--', `${SHOT}/${files[0]}`).trim().split('\n')).toHaveLength(1);
  expect(
    git(dir, 'ls-tree', '-r', '--name-only', 'main', '--', SHOT)
      .trim()
      .split('\n')
      .filter((f) => !f.endsWith('.json')),
  ).toEqual([`${SHOT}/${files[0]}`]);
  expect(git(dir, 'show', `main:${SHOT}/${files[0]}`)).toMatch(/^version https:\/\/git-lfs/);
  expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
  expect(fsckErrors(dir)).toBe('');
}

beforeAll(async () => {
  engineHome = await mkdtemp(join(tmpdir(), 'studio-faults-engine-'));
  workerHome = await mkdtemp(join(tmpdir(), 'studio-faults-worker-'));
  markers = await mkdtemp(join(tmpdir(), 'studio-faults-markers-'));
  enginePort = await freePort();
  engine = await spawnEngine({ env: engineEnv(), timeoutMs: 90_000 });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
  for (const dir of [engineHome, workerHome, markers]) await rm(dir, { recursive: true, force: true });
});

const workerEnv = (name: string, fault: Record<string, string> = {}) => ({
  ...common,
  STUDIO_HOME: workerHome,
  REDIS_URL: `unix://${join(engineHome, '.redis', 'redis.sock')}`,
  ENGINE_URL: `http://127.0.0.1:${enginePort}`,
  WORKER_NAME: name,
  ...fault,
});

describe('stateless workers: faults at exact moments', () => {
  it.each([
    { point: FAULT_POINTS.bringInBeforeCommit, committed: false },
    { point: FAULT_POINTS.bringInBeforeDropRef, committed: true },
  ])(
    'the engine SIGKILLed while it brings a pushed ref in ($point): restarted, it brings the take in exactly once and drops the ref',
    async ({ point, committed }) => {
      const fault = armed(point);
      await engine.stop();
      engine = await spawnEngine({ env: engineEnv(fault.env), timeoutMs: 90_000 });
      const worker = await spawnWorker(workerEnv(`bring-in-${committed ? 'drop' : 'commit'}`));
      try {
        const id = await projectWithShot(engine.baseUrl, { name: `Bring-in kill ${point}`, pipelineId: 'test-noop' });
        const dir = join(engineHome, 'Projects', id);
        const task = await generate(engine.baseUrl, id);
        await reached(fault.marker, point);
        await engine.killHard();
        // Killed in the window: the worker's ref is there, and the take is (or is not yet) on main.
        expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/jobs')).toBe(`refs/jobs/${task}\n`);
        expect(git(dir, 'ls-tree', '-r', '--name-only', 'main', '--', SHOT).includes('.png')).toBe(committed);
        engine = await spawnEngine({ env: engineEnv(), timeoutMs: 90_000 });
        const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 180_000);
        expect(done.status, done.error ?? '').toBe('succeeded');
        expect(done.result!.take).toBe(`${SHOT}/SHOT-010_v01_take01.png`);
        await expectOneSoundTake(dir);
      } finally {
        await worker.stop();
      }
    },
    360_000,
  );

  it('a worker SIGKILLed mid-push (its LFS object sent, its ref not yet updated): the job runs again and yields exactly one take', async () => {
    const fault = armed(FAULT_POINTS.workerMidPush);
    const doomed = await spawnWorker(workerEnv('mid-push-doomed', fault.env));
    const id = await projectWithShot(engine.baseUrl, { name: 'Mid-push kill', pipelineId: 'test-noop' });
    const dir = join(engineHome, 'Projects', id);
    const task = await generate(engine.baseUrl, id);
    await reached(fault.marker, FAULT_POINTS.workerMidPush);
    // `git push` is running (held in its pre-push hook) when the worker and its children die.
    const tree = processTree(doomed.child.pid!);
    expect(tree.length).toBeGreaterThan(1);
    killTree(doomed.child.pid!);
    expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
    const survivor = await spawnWorker(workerEnv('mid-push-survivor'));
    try {
      const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 180_000);
      expect(done.status, done.error ?? '').toBe('succeeded');
      await expectOneSoundTake(dir);
      const sidecar = JSON.parse(await readFile(join(dir, SHOT, 'SHOT-010_v01_take01.json'), 'utf8')) as { worker: string };
      expect(sidecar.worker).toBe('mid-push-survivor');
    } finally {
      await survivor.stop();
    }
  }, 300_000);
});
