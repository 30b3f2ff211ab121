import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { fsckErrors } from '../testing/hardening/take-audit.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';

/*
 * A stateless worker against a multi-user engine (STUDIO_AUTH=users): every git and LFS request of
 * the job (the output's batch, upload, verify and the push) carries the job's own token, and the
 * take is authored by the user who asked for it.
 */
let engine: SpawnedEngine;
let engineHome: string;
let workerHome: string;
let token = '';
const SHOT = '03_Renders/SCENE_01/SHOT_010';
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(async () => {
  engineHome = await mkdtemp(join(tmpdir(), 'studio-stateless-users-engine-'));
  workerHome = await mkdtemp(join(tmpdir(), 'studio-stateless-users-worker-'));
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'engine/src/auth/user-cli.ts'), 'add', 'alice', '--tenant', 'acme', '--password', 'alice password'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, STUDIO_HOME: engineHome },
    },
  );
  engine = await spawnEngine({
    env: { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', STUDIO_HOME: engineHome, STUDIO_LOCAL_WORKER: '0', STUDIO_AUTH: 'users' },
    timeoutMs: 90_000,
  });
  const res = await fetch(`${engine.baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice password' }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 150_000);
afterAll(async () => {
  await engine?.stop();
  for (const dir of [engineHome, workerHome]) if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${engine.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

describe('a stateless worker and a multi-user engine', () => {
  it("the job's token carries its LFS upload and its push; the take is alice's, brought in once", async () => {
    const worker = await spawnWorker({
      PIPELINES_PATH: TEST_PIPELINES,
      RUNNER_BACKEND: 'process',
      STUDIO_HOME: workerHome,
      REDIS_URL: `unix://${join(engineHome, '.redis', 'redis.sock')}`,
      ENGINE_URL: engine.baseUrl,
      WORKER_NAME: 'stateless-acme',
    });
    try {
      const { id } = (await api('POST', '/api/v1/projects', { name: 'Acme stateless' })) as { id: string };
      const graph = {
        nodes: [
          { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse' } },
          { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'test-noop' } },
        ],
        edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
      };
      await api('PUT', `/api/v1/projects/${id}`, { graph, version: 1 });
      const { task_id: task } = (await api('POST', '/api/v1/tasks/generate_shot', { project_id: id, node_id: 'shot-1' })) as { task_id: string };
      const deadline = Date.now() + 120_000;
      let status: Record<string, unknown> = {};
      while (!['succeeded', 'failed'].includes(String((status = await api('GET', `/api/v1/tasks/${task}`)).status))) {
        if (Date.now() > deadline) throw new Error(`task still ${String(status.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status.status, String(status.error)).toBe('succeeded');
      const dir = join(engineHome, 'Projects', id);
      const files = (await readdir(join(dir, SHOT))).filter((f) => !f.endsWith('.json'));
      expect(files).toEqual(['SHOT-010_v01_take01.png']);
      expect(await readFile(join(dir, SHOT, files[0]!), 'utf8')).toBe('x');
      expect(git(dir, 'log', '-1', '--format=%an <%ae>', '--', `${SHOT}/${files[0]}`)).toBe('alice <user.alice@acme.studio>\n');
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(fsckErrors(dir)).toBe('');
    } finally {
      await worker.stop();
    }
  }, 240_000);
});
