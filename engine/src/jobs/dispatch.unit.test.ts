import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { dispatch, NoCapableWorkerError, tablePipeline } from './dispatch.ts';
import type { GenerateJobData } from './job-types.ts';
import type { WorkerState } from './worker-registry.ts';

const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]);

const worker = (name: string, ...gpus: Array<[number, number]>): WorkerState => ({
  name,
  host: 'h',
  pid: 1,
  gpus: gpus.map(([vramGB, busy], i) => ({ id: String(i), name: 'GPU', vramGB, jobs: busy ? [{ jobId: 'x', pipeline: 'p', vramGB, since: '' }] : [] })),
  cpuSlots: 1,
  cpuJobs: [],
  startedAt: '',
  heartbeatAt: '',
});

const job = (pipelineId: string, quality: string, vramGB: number): GenerateJobData =>
  ({ pipelineId, quality, vramGB, shareable: false, taskType: 'generate-image' }) as GenerateJobData;

describe('spec table 4: quality picks the pipeline', () => {
  it.each([
    ['generate-image', 'low', 't2i-sd1.5'],
    ['generate-image', 'standard', 't2i-flux-schnell'],
    ['generate-image', 'high', 't2i-flux-dev-fp16'],
    ['generate-video', 'low', 't2v-wan2.1-1.3b'],
    ['generate-video', 'standard', 't2v-wan2.1-1.3b'],
    ['generate-video', 'high', 't2v-ltx-13b'],
  ] as const)('%s at %s quality -> %s when GPU workers are live', (task, quality, id) => {
    expect(tablePipeline(catalogue, task, quality, true)).toBe(id);
  });

  it('uses the CPU draft pipelines on a studio with no GPU worker', () => {
    expect(tablePipeline(catalogue, 'generate-image', 'high', false)).toBe('draft-image');
    expect(tablePipeline(catalogue, 'generate-video', 'low', false)).toBe('draft-video');
  });
});

describe('dispatch', () => {
  it('sends a job to the queue of its VRAM tier', () => {
    expect(dispatch({ data: job('t2i-flux-schnell', 'standard', 16), policy: 'queue', workers: [worker('w', [24, 0])], catalogue, pinned: false }).queue).toBe('gpu-16');
    expect(dispatch({ data: job('draft-image', 'high', 0), policy: 'queue', workers: [], catalogue, pinned: false }).queue).toBe('generate');
  });

  it('falls back only to what fits a free GPU, and fails at once when nothing could ever hold the job', () => {
    const busyBig = [worker('a', [24, 1]), worker('b', [16, 0])];
    const fallen = dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'fallback', workers: busyBig, catalogue, pinned: false });
    expect(fallen.data).toMatchObject({ quality: 'standard', pipelineId: 't2i-flux-schnell', fallbackFrom: { quality: 'high' } });
    expect(fallen.notice).toMatch(/^High quality not available on current hardware/);
    expect(dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'queue', workers: busyBig, catalogue, pinned: false }).queue).toBe('gpu-24');
    expect(() => dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'queue', workers: [worker('b', [16, 0])], catalogue, pinned: false })).toThrow(NoCapableWorkerError);
    expect(() => dispatch({ data: job('t2i-sd1.5', 'low', 12), policy: 'fallback', workers: [], catalogue, pinned: false })).toThrow(/no GPU worker is running/);
  });
});
