import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { TEST_PIPELINES } from '../testing/test-pipelines.ts';
import { PipelineCancelledError, PipelineFailedError } from './errors.ts';
import { makeJobFolder } from './job-folder.ts';
import { PipelineCatalogue } from './pipeline-catalogue.ts';
import { PIPELINE_LIB, ProcessBackend } from './process-backend.ts';

const run = promisify(execFile);
const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), TEST_PIPELINES]);
const warmDouble = catalogue.get('test-warm');
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-warm-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let n = 0;
function job(params: Record<string, unknown> = {}) {
  return makeJobFolder({
    dir: join(scratch, `job-${++n}`),
    manifest: warmDouble.manifest,
    inputFiles: {},
    request: {
      job_id: `job-${n}`,
      pipeline: 'test-warm',
      task_type: 'generate-image',
      quality: 'standard',
      seed: 1,
      prompt: 'a keeper',
      negative_prompt: '',
      params,
      width: 64,
      height: 64,
      aspect_ratio: '1:1',
      fps: 0,
      duration: 0,
    },
  });
}

interface Report {
  preloaded: boolean;
  pid: number;
  argv: string[];
  name: string;
  script_dir_first: boolean;
  cuda: string | null;
  stdin: string;
}
const report = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Report;
/** A zombie counts as gone: an orphaned spare is reaped by whoever is pid 1, which may never do it. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('spare interpreters (STUDIO_WARM_START) for pipelines that name processPreload', () => {
  it('runs a job cold without warm start: the preloaded module is not there', async () => {
    const backend = new ProcessBackend();
    backend.prewarm(warmDouble);
    expect(backend.sparePid(warmDouble)).toBeNull();
    const result = await backend.run({ pipeline: warmDouble, job: await job() });
    expect((await report(result.outputs.output!)).preloaded).toBe(false);
  });

  it('runs the job in the spare, as `python3 entrypoint.py JOB` would, then makes the next spare', async () => {
    const backend = new ProcessBackend({ warm: true });
    backend.prewarm(warmDouble);
    const spare = backend.sparePid(warmDouble);
    expect(spare).toBeGreaterThan(0);
    const folder = await job();
    const progress: number[] = [];
    const result = await backend.run({ pipeline: warmDouble, job: folder, onProgress: (p) => progress.push(p.progress) });
    const seen = await report(result.outputs.output!);
    expect(seen).toMatchObject({
      preloaded: true,
      pid: spare,
      argv: ['entrypoint.py', folder.dir],
      name: '__main__',
      script_dir_first: true,
      cuda: null,
      stdin: '',
    });
    expect(progress).toEqual([0.5, 1]);
    const next = backend.sparePid(warmDouble);
    expect(next).toBeGreaterThan(0);
    expect(next).not.toBe(spare);
    // The job's GPU slot reaches the spare with the job, not before.
    const onGpu = await backend.run({ pipeline: warmDouble, job: await job(), gpus: ['1'] });
    expect(await report(onGpu.outputs.output!)).toMatchObject({ preloaded: true, pid: next, cuda: '1' });
  });

  it('reports a failing job and kills a cancelled one as a cold start would', async () => {
    const backend = new ProcessBackend({ warm: true });
    backend.prewarm(warmDouble);
    const error = await backend.run({ pipeline: warmDouble, job: await job({ exit_code: 4 }) }).catch((e) => e);
    expect(error).toBeInstanceOf(PipelineFailedError);
    expect(error.message).toBe('asked to fail with 4');
    expect(error.data.exitCode).toBe(4);

    const spare = backend.sparePid(warmDouble)!;
    const controller = new AbortController();
    const started = Date.now();
    const cancelled = backend.run({
      pipeline: warmDouble,
      job: await job({ sleep_s: 30 }),
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(cancelled).rejects.toBeInstanceOf(PipelineCancelledError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(alive(spare)).toBe(false);
  });

  it('makes no spare for a pipeline without processPreload', () => {
    const backend = new ProcessBackend({ warm: true });
    backend.prewarm(catalogue.get('test-noop'));
    expect(backend.sparePid(catalogue.get('test-noop'))).toBeNull();
  });

  it('leaves no spare behind when the engine exits', async () => {
    const script = [
      `import { ProcessBackend } from ${JSON.stringify(join(REPO_ROOT, 'engine/src/runner/process-backend.ts'))};`,
      `import { PipelineCatalogue } from ${JSON.stringify(join(REPO_ROOT, 'engine/src/runner/pipeline-catalogue.ts'))};`,
      `const found = new PipelineCatalogue([${JSON.stringify(TEST_PIPELINES)}]).get('test-warm');`,
      // A spare still importing (60 s) when the engine exits: stdin's EOF would not end it, only the exit hook.
      `const pipeline = { ...found, manifest: { ...found.manifest, processPreload: ['slow_import_double'] } };`,
      `const backend = new ProcessBackend({ warm: true, env: { PYTHONPATH: ${JSON.stringify(`${PIPELINE_LIB}:${warmDouble.dir}`)} } });`,
      `backend.prewarm(pipeline);`,
      `console.log(backend.sparePid(pipeline));`,
    ].join('\n');
    const file = join(scratch, 'engine-that-exits.mts');
    await writeFile(file, script);
    // The spare is unref'd: the process ends by itself, and its exit hook takes the spare with it.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, timeout: 30_000 });
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });
});
