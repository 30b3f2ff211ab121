import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineRequest } from '@studio/node-schemas';
import { jsonSchemas } from '../node-schemas/src/json-schema.ts';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('./_lib/', import.meta.url));
const PYTHON = '/usr/bin/python3';

const valid: PipelineRequest = PipelineRequest.parse({
  job_id: 'gen-contract',
  pipeline: 'draft-image',
  task_type: 'text_to_image',
  quality: 'low',
  seed: 7,
  prompt: 'a lighthouse',
  negative_prompt: '',
  params: {},
  width: 64,
  height: 36,
  aspect_ratio: '16:9',
  fps: 24,
  duration: 1,
  inputs: {},
  outputs: { image: 'outputs/image.png' },
});

/** What pipelines/_lib/contract.py finds wrong with a request. */
function pythonProblems(request: unknown): string[] {
  const script = 'import json, sys; from contract import request_problems; print(json.dumps(request_problems(json.load(sys.stdin))))';
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(request), env: { PATH: process.env.PATH, PYTHONPATH: LIB } }).toString());
}

describe('the job-folder contract on the pipelines side', () => {
  it("pipelines/_lib carries node-schemas' request.json schema unchanged (npm run schemas writes both)", async () => {
    const copy = JSON.parse(await readFile(join(LIB, 'pipeline-request.schema.json'), 'utf8'));
    expect(copy).toEqual(jsonSchemas()['pipeline-request']);
  });

  it('accepts what the runner writes and names every field a broken request gets wrong', () => {
    expect(pythonProblems(valid)).toEqual([]);
    const broken = { ...valid, seed: 'seven', quality: 'ultra', inputs: { image: '../../etc/passwd' }, surplus: 1 } as Record<string, unknown>;
    delete broken.prompt;
    const found = pythonProblems(broken);
    expect(found).toEqual(
      expect.arrayContaining([
        'request.prompt: is required',
        'request.seed: must be integer',
        'request.quality: must be one of low, standard, high',
        expect.stringMatching(/^request\.inputs\.image: does not match/),
        'request.surplus: is not part of the contract',
      ]),
    );
    expect(found).toHaveLength(5);
  });

  it('an entrypoint refuses a request.json that breaks the contract, naming the field, before doing any work', async () => {
    const job = await mkdtemp(join(tmpdir(), 'studio-contract-'));
    try {
      await mkdir(join(job, 'outputs'));
      await writeFile(join(job, 'request.json'), JSON.stringify({ ...valid, width: -5 }));
      const run = spawnSync(PYTHON, [fileURLToPath(new URL('./draft-image/entrypoint.py', import.meta.url)), job], {
        env: { PATH: process.env.PATH, PYTHONPATH: LIB },
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('request.json breaks the job-folder contract: request.width: must be at least 0');
      await expect(readFile(join(job, 'outputs', 'image.png'))).rejects.toThrow();
    } finally {
      await rm(job, { recursive: true, force: true });
    }
  });
});
