import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { dockerForTests } from '../testing/docker-env.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import type { RunnerBackend } from './backend.ts';
import { DockerBackend } from './docker-backend.ts';
import { PipelineCancelledError, PipelineFailedError, PipelineTimeoutError } from './errors.ts';
import { makeJobFolder } from './job-folder.ts';
import { PipelineCatalogue } from './pipeline-catalogue.ts';
import { ProcessBackend } from './process-backend.ts';

const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), TEST_PIPELINES]);
let scratch: string;
let docker: { ready: true } | { ready: false; reason: string };
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-runner-'));
  docker = await dockerForTests(['draft-image', 'test-noop', 'test-slow', 'test-fail']);
}, 900_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

let n = 0;
async function job(pipelineId: string, extra: Record<string, unknown> = {}) {
  const { manifest } = catalogue.get(pipelineId);
  return makeJobFolder({
    dir: join(scratch, `job-${++n}`),
    manifest,
    inputFiles: {},
    request: {
      job_id: `job-${n}`,
      pipeline: pipelineId,
      task_type: manifest.taskType,
      quality: 'standard',
      seed: 777,
      prompt: 'A keeper climbs the lighthouse stairs',
      negative_prompt: '',
      params: {},
      width: 640,
      height: 360,
      aspect_ratio: '16:9',
      fps: 24,
      duration: 1,
      ...extra,
    },
  });
}

const backends: Array<[string, () => RunnerBackend]> = [
  ['process', () => new ProcessBackend()],
  ['docker', () => new DockerBackend()],
];

for (const [name, make] of backends) {
  describe(`the ${name} backend honours the job-folder contract`, () => {
    const skip = () => name === 'docker' && !docker.ready;

    it('runs a pipeline, reports progress lines, and returns its outputs', async (ctx) => {
      if (skip()) return ctx.skip();
      const backend = make();
      const progress: number[] = [];
      const result = await backend.run({ pipeline: catalogue.get('test-noop'), job: await job('test-noop'), onProgress: (p) => progress.push(p.progress) });
      expect(result.backend).toBe(name);
      expect(progress).toEqual([1]);
      expect(await readFile(result.outputs.output!, 'utf8')).toBe('x');
      if (name === 'docker') expect(result.imageDigest).toMatch(/^sha256:/);
    });

    it('fails with the pipeline’s own message', async (ctx) => {
      if (skip()) return ctx.skip();
      const error = await make()
        .run({ pipeline: catalogue.get('test-fail'), job: await job('test-fail') })
        .catch((e) => e);
      expect(error).toBeInstanceOf(PipelineFailedError);
      expect(error.message).toContain('CUDA error: out of memory (test double)');
      expect(error.data.exitCode).toBe(1);
    });

    it('stops at once on cancel, and on timeout, leaving no container behind', async (ctx) => {
      if (skip()) return ctx.skip();
      const backend = make();
      const controller = new AbortController();
      const slowJob = await job('test-slow');
      const started = Date.now();
      const cancelled = backend.run({
        pipeline: catalogue.get('test-slow'),
        job: slowJob,
        signal: controller.signal,
        onProgress: (p) => p.progress >= 0.1 && controller.abort(),
      });
      await expect(cancelled).rejects.toBeInstanceOf(PipelineCancelledError);
      expect(Date.now() - started).toBeLessThan(5000);
      const slow = catalogue.get('test-slow');
      const impatient = { ...slow, manifest: { ...slow.manifest, timeoutSeconds: 1 } };
      await expect(backend.run({ pipeline: impatient, job: await job('test-slow') })).rejects.toBeInstanceOf(PipelineTimeoutError);
      if (name === 'docker')
        expect(execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=studio.pipeline=test-slow'], { encoding: 'utf8' }).trim()).toBe('');
    });

    it('makes the same draft image from the same request as the other backend', async (ctx) => {
      if (skip()) return ctx.skip();
      const result = await make().run({ pipeline: catalogue.get('draft-image'), job: await job('draft-image') });
      const bytes = await readFile(result.outputs.output!);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      const reference = await new ProcessBackend().run({ pipeline: catalogue.get('draft-image'), job: await job('draft-image') });
      expect(bytes.equals(await readFile(reference.outputs.output!))).toBe(true);
    });
  });
}
