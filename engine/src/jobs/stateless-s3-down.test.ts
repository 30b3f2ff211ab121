import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_ACTOR } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsckErrors } from '../testing/hardening/take-audit.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { startRadosgw, type Radosgw } from '../testing/radosgw.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { S3UnavailableError } from '../storage/storage-errors.ts';
import { checkoutForJob } from './stateless/job-checkout.ts';
import { jobRef, pushResult } from './stateless/push-result.ts';

/*
 * S3 down while a stateless job runs (a real radosgw, its gateway stopped): the job's push waits
 * for the store rather than failing or losing its output, and goes through once the store is back,
 * with exactly one take; past its wait it fails with S3_UNAVAILABLE and a message that says so.
 */
const BUCKET = 'studio-stateless-s3-down';
const SHOT = '03_Renders/SCENE_01/SHOT_010';
let gw: Radosgw;
let engine: SpawnedEngine;
let engineHome: string;
let workerHome: string;
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(async () => {
  gw = await startRadosgw();
  engineHome = await mkdtemp(join(tmpdir(), 'studio-s3down-engine-'));
  workerHome = await mkdtemp(join(tmpdir(), 'studio-s3down-worker-'));
  engine = await spawnEngine({
    env: {
      PIPELINES_PATH: TEST_PIPELINES,
      RUNNER_BACKEND: 'process',
      STUDIO_HOME: engineHome,
      STUDIO_LOCAL_WORKER: '0',
      S3_ENDPOINT: gw.endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: gw.region,
      S3_ACCESS_KEY_ID: gw.accessKeyId,
      S3_SECRET_ACCESS_KEY: gw.secretAccessKey,
    },
    timeoutMs: 90_000,
  });
}, 180_000);
afterAll(async () => {
  await engine?.stop();
  await gw?.stop();
  for (const dir of [engineHome, workerHome]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function objectKeys(): Promise<string[]> {
  const client = new S3Client({
    endpoint: gw.endpoint,
    region: gw.region,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    forcePathStyle: true,
  });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (page.Contents ?? []).map((c) => c.Key!);
  } finally {
    client.destroy();
  }
}

describe('S3 down during a stateless job (a real radosgw)', () => {
  it('the push waits while radosgw is stopped, loses nothing, and goes through when it is back: exactly one take, its object in S3', async () => {
    const worker = await spawnWorker({
      PIPELINES_PATH: TEST_PIPELINES,
      RUNNER_BACKEND: 'process',
      WORKER_LOCK_MS: '2000',
      STUDIO_HOME: workerHome,
      REDIS_URL: `unix://${join(engineHome, '.redis', 'redis.sock')}`,
      ENGINE_URL: engine.baseUrl,
      WORKER_NAME: 'through-the-outage',
    });
    let log = '';
    worker.child.stdout!.on('data', (d) => (log += d));
    worker.child.stderr!.on('data', (d) => (log += d));
    try {
      const id = await projectWithShot(engine.baseUrl, { name: 'S3 outage', pipelineId: 'test-slow' });
      const dir = join(engineHome, 'Projects', id);
      const task = await generate(engine.baseUrl, id);
      await waitForTask(engine.baseUrl, task, ['running', 'succeeded', 'failed'], 90_000);
      await gw.stopGateway();
      // The pipeline finishes; its push meets the outage and waits.
      const deadline = Date.now() + 120_000;
      while (!log.includes(`job ${task}: waiting for the object store (S3) to upload the job's output`)) {
        if (Date.now() > deadline) throw new Error(`the worker never waited for S3:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const held = (await (await fetch(`${engine.baseUrl}/api/v1/tasks/${task}`)).json()) as { status: string };
      expect(held.status).toBe('running');
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(git(dir, 'ls-tree', '-r', '--name-only', 'main', '--', SHOT)).not.toContain('.png');

      await gw.startGateway();
      const done = await waitForTask(engine.baseUrl, task, ['succeeded', 'failed'], 180_000);
      expect(done.status, done.error ?? '').toBe('succeeded');
      const files = (await readdir(join(dir, SHOT))).filter((f) => !f.endsWith('.json'));
      expect(files).toEqual(['SHOT-010_v01_take01.png']);
      expect(await readFile(join(dir, SHOT, files[0]!), 'utf8')).toBe('slow');
      expect(git(dir, 'log', '--format=%H', '--diff-filter=A', 'main', '--', `${SHOT}/${files[0]}`).trim().split('\n')).toHaveLength(1);
      const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(git(dir, 'show', `main:${SHOT}/${files[0]}`))![1]!;
      expect(await objectKeys()).toContain(`tenants/local/lfs/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`);
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
      expect(fsckErrors(dir)).toBe('');
    } finally {
      await gw.startGateway().catch(() => undefined);
      await worker.stop();
    }
  }, 400_000);

  it('past its wait, a push fails with S3_UNAVAILABLE and a message that says what could not be done; no ref is left', async () => {
    const id = await projectWithShot(engine.baseUrl, { name: 'S3 outage, given up', pipelineId: 'test-noop' });
    const gitEnv = { engineUrl: engine.baseUrl, token: null, path: process.env.PATH ?? '/usr/bin:/bin', home: workerHome };
    const dir = join(engineHome, 'Projects', id);
    const copy = await checkoutForJob({
      dir: join(workerHome, 'given-up'),
      tenant: undefined,
      projectId: id,
      inputs: [],
      env: gitEnv,
    });
    const output = join(workerHome, 'given-up', 'output.png');
    await writeFile(output, 'given up');
    const waits: string[] = [];
    await gw.stopGateway();
    try {
      const pushed = pushResult({
        repo: copy.repo,
        jobId: 'gen-given-up',
        output,
        actor: LOCAL_ACTOR,
        env: gitEnv,
        storeWaitMs: 3000,
        onWaiting: (message) => waits.push(message),
      });
      const error = await pushed.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(S3UnavailableError);
      expect((error as S3UnavailableError).code).toBe('S3_UNAVAILABLE');
      expect((error as Error).message).toMatch(
        /^the object store \(S3\) has not answered for \d+ s, so the job could not upload the job's output; the project is unchanged/,
      );
      expect(waits.length).toBeGreaterThan(0);
      expect(git(dir, 'for-each-ref', 'refs/jobs')).toBe('');
    } finally {
      await gw.startGateway();
    }
    // The job's retry (a fresh copy, as a rerun makes), once the store is back, goes through.
    const retry = await checkoutForJob({ dir: join(workerHome, 'given-up-retry'), tenant: undefined, projectId: id, inputs: [], env: gitEnv });
    await pushResult({ repo: retry.repo, jobId: 'gen-given-up', output, actor: LOCAL_ACTOR, env: gitEnv });
    expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/jobs')).toBe(`${jobRef('gen-given-up')}\n`);
    for (const copy of ['given-up', 'given-up-retry']) await rm(join(workerHome, copy), { recursive: true, force: true });
  }, 180_000);
});
