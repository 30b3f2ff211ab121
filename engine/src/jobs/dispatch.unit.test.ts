import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { parseCpuQueue } from './cpu-queues.ts';
import { dispatch, NoCapableWorkerError, noCapableCpu, noWorkerNotice, tableChoice, tablePipeline } from './dispatch.ts';
import { parseGpuQueue } from './gpu-tiers.ts';
import type { GenerateJobData } from './job-types.ts';
import { needFromPeak, profileKey, vramNeed, type ObservedProfile } from './vram-profile.ts';
import type { WorkerState } from './worker-registry.ts';

const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]);
const ALL = catalogue.all().map((p) => p.manifest.id);

/** A worker with GPUs of [VRAM, busy] that can start `pipelines` (all of them unless told). */
const worker = (name: string, gpus: Array<[number, number]>, pipelines: string[] = ALL): WorkerState => ({
  name,
  host: 'h',
  pid: 1,
  gpus: gpus.map(([vramGB, busy], i) => ({ id: String(i), name: 'GPU', vramGB, jobs: busy ? [{ jobId: 'x', pipeline: 'p', vramGB, since: '' }] : [] })),
  cpuSlots: 1,
  cpuJobs: [],
  pipelines,
  unavailable: Object.fromEntries(
    ALL.filter((id) => !pipelines.includes(id)).map((id) => [
      id,
      `no backend here can run ${id} (docker: the image studio/${id}:latest is not built (run scripts/build-pipeline-images))`,
    ]),
  ),
  startedAt: '',
  heartbeatAt: '',
});

const job = (pipelineId: string, quality: string, vramGB: number): GenerateJobData =>
  ({ pipelineId, quality, vramGB, shareable: false, taskType: catalogue.get(pipelineId).manifest.taskType }) as GenerateJobData;

/** Profiles as the GPU workers leave them: `runs` successes, with a measured peak (GB) or none. */
function observed(entries: Array<[pipeline: string, quality: 'low' | 'standard' | 'high', peakGB: number | null, runs?: number]>) {
  return new Map<string, ObservedProfile>(
    entries.map(([pipeline, quality, peakGB, runs = 1]) => [
      profileKey(pipeline, quality),
      { pipeline, quality, runs, peakGB, meanWallS: 10, needGB: peakGB === null ? null : needFromPeak(peakGB), lastAt: '' },
    ]),
  );
}

const TABLE_4 = [
  ['generate-image', 'low', 't2i-sd1.5'],
  ['generate-image', 'standard', 't2i-flux-schnell'],
  ['generate-image', 'high', 't2i-flux-dev-fp16'],
  ['generate-video', 'low', 't2v-wan2.1-1.3b'],
  ['generate-video', 'standard', 't2v-wan2.1-1.3b'],
  ['generate-video', 'high', 't2v-ltx-13b'],
] as const;
/** Each of the quality table's pipelines (docs/pipeline-contract.md#quality-table) has completed a job here. */
const proven = observed(TABLE_4.map(([, quality, id]) => [id, quality, null]));
const bigWorker = worker('big', [[80, 0]]);

describe('the quality table: quality picks the pipeline', () => {
  it.each(TABLE_4)('%s at %s quality -> %s once it has run here and a live worker can start and hold it', (task, quality, id) => {
    expect(tablePipeline(catalogue, task, quality, { workers: [bigWorker], profiles: proven })).toBe(id);
  });

  it('uses the CPU draft pipelines on a studio with no GPU worker', () => {
    expect(tablePipeline(catalogue, 'generate-image', 'high', { workers: [], profiles: proven })).toBe('draft-image');
    expect(tablePipeline(catalogue, 'generate-video', 'low', { workers: [worker('cpu', [])], profiles: proven })).toBe('draft-video');
  });

  it('never picks an unverified pipeline that has not completed a job here: it passes over it and says why', () => {
    const choice = tableChoice(catalogue, 'generate-image', 'low', { workers: [bigWorker], profiles: new Map() });
    expect(choice.id).toBe('draft-image');
    expect(choice.passedOver).toEqual([{ id: 't2i-sd1.5', why: 'it is unverified and has not completed a job on this studio yet' }]);
    const notice = dispatch({ data: job('draft-image', 'low', 0), policy: 'queue', workers: [bigWorker], catalogue, pinned: false }).notice;
    expect(notice).toBe(
      'The quality table used draft-image (t2i-sd1.5 is unverified and has not completed a job on this studio yet). Choose t2i-sd1.5 on a Pipeline node to try it.',
    );
    // A pipeline the user chose on a Pipeline node is theirs: no notice.
    expect(dispatch({ data: job('draft-image', 'low', 0), policy: 'queue', workers: [bigWorker], catalogue, pinned: true }).notice).toBeNull();
  });

  it('passes over a pipeline whose image no live worker holds, even a proven one', () => {
    const noSd = worker(
      'w',
      [[80, 0]],
      ALL.filter((id) => id !== 't2i-sd1.5'),
    );
    const choice = tableChoice(catalogue, 'generate-image', 'low', { workers: [noSd], profiles: proven });
    expect(choice).toEqual({
      id: 'draft-image',
      passedOver: [{ id: 't2i-sd1.5', why: 'its image studio/t2i-sd1.5:latest is not built on any live GPU worker (run scripts/build-pipeline-images there)' }],
    });
    expect(dispatch({ data: job('draft-image', 'low', 0), policy: 'queue', workers: [noSd], catalogue, pinned: false, profiles: proven }).notice).toBe(
      'The quality table used draft-image (t2i-sd1.5: its image studio/t2i-sd1.5:latest is not built on any live GPU worker (run scripts/build-pipeline-images there)).',
    );
  });

  it('ranks by the observed need once there is one: a pipeline measured small beats the manifest’s smaller prior', () => {
    // Both serve generate-video at high: LTX 13B (48 GB prior) and Wan2.1 14B (80 GB prior), both proven.
    const both = observed([
      ['t2v-ltx-13b', 'high', null],
      ['t2v-wan2.1', 'high', 30],
    ]);
    expect(tablePipeline(catalogue, 'generate-video', 'high', { workers: [bigWorker], profiles: both })).toBe('t2v-wan2.1');
  });
});

describe('dispatch', () => {
  it('sends a job to the queue of its VRAM tier and pipeline', () => {
    const routed = dispatch({
      data: job('t2i-flux-schnell', 'standard', 24),
      policy: 'queue',
      workers: [worker('w', [[24, 0]])],
      catalogue,
      pinned: false,
      profiles: proven,
    });
    expect(routed.queue).toBe('gpu-24@t2i-flux-schnell');
    expect(parseGpuQueue(routed.queue)).toEqual({ name: 'gpu-24@t2i-flux-schnell', tier: 24, shareable: false, pipeline: 't2i-flux-schnell' });
    expect(
      dispatch({ data: { ...job('t2i-sd1.5', 'low', 12), shareable: true }, policy: 'queue', workers: [worker('w', [[24, 0]])], catalogue, pinned: true })
        .queue,
    ).toBe('gpu-12-shared@t2i-sd1.5');
    expect(dispatch({ data: job('draft-image', 'high', 0), policy: 'queue', workers: [], catalogue, pinned: true }).queue).toBe('cpu@draft-image');
  });

  it('falls back only to what fits a free GPU, and fails at once when nothing could ever hold the job', () => {
    const busyBig = [
      worker('a', [[24, 1]]),
      worker(
        'b',
        [[24, 0]],
        ALL.filter((id) => id !== 't2i-flux-dev-fp16'),
      ),
    ];
    const fallen = dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'fallback', workers: busyBig, catalogue, pinned: false, profiles: proven });
    expect(fallen.data).toMatchObject({ quality: 'standard', pipelineId: 't2i-flux-schnell', fallbackFrom: { quality: 'high' } });
    expect(fallen.notice).toMatch(/^High quality not available on current hardware \(every GPU with 24 GB or more is busy\)/);
    expect(dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'queue', workers: busyBig, catalogue, pinned: false }).queue).toBe(
      'gpu-24@t2i-flux-dev-fp16',
    );
    expect(() =>
      dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'queue', workers: [worker('b', [[16, 0]])], catalogue, pinned: false }),
    ).toThrow(NoCapableWorkerError);
    expect(() => dispatch({ data: job('t2i-sd1.5', 'low', 12), policy: 'fallback', workers: [], catalogue, pinned: false })).toThrow(
      /no GPU worker is running/,
    );
  });

  it('never sends a job to GPUs whose worker cannot start its pipeline, however big', () => {
    const noImage = [
      worker(
        'w',
        [[80, 0]],
        ALL.filter((id) => id !== 't2v-wan2.1'),
      ),
    ];
    expect(() => dispatch({ data: job('t2v-wan2.1', 'high', 80), policy: 'queue', workers: noImage, catalogue, pinned: true })).toThrow(
      'No live worker can run this: t2v-wan2.1 needs 80 GB at high quality and its image studio/t2v-wan2.1:latest is not built on any live GPU worker (run scripts/build-pipeline-images there).',
    );
    // A big free GPU that cannot start it does not count as free for a fallback either.
    const mixed = [
      worker('small', [[16, 0]]),
      worker(
        'big',
        [[80, 0]],
        ALL.filter((id) => id !== 't2i-flux-dev-fp16'),
      ),
    ];
    expect(
      dispatch({ data: job('t2i-flux-dev-fp16', 'high', 24), policy: 'fallback', workers: mixed, catalogue, pinned: false, profiles: proven }).data,
    ).toMatchObject({ quality: 'standard', pipelineId: 't2i-flux-schnell' });
  });

  it('sends a CPU job only where a live worker can start it, says why not, and lets it wait when no worker is live', () => {
    const draft = job('draft-image', 'standard', 0);
    // One worker has it installed, one does not (not in its pipeline folders): it goes to the pipeline's own CPU queue.
    const lacking = {
      ...worker(
        'lacking',
        [],
        ALL.filter((id) => id !== 'draft-image'),
      ),
      unavailable: {},
    };
    expect(dispatch({ data: draft, policy: 'queue', workers: [lacking, worker('has', [])], catalogue, pinned: true })).toMatchObject({
      queue: 'cpu@draft-image',
      notice: null,
    });
    expect(parseCpuQueue('cpu@draft-image')).toEqual({ name: 'cpu@draft-image', pipeline: 'draft-image' });
    expect(parseCpuQueue('gpu-24@draft-image')).toBeNull();
    // Only the worker that lacks it is live: refused at once with the reason, as a GPU job is.
    expect(() => dispatch({ data: draft, policy: 'queue', workers: [lacking], catalogue, pinned: true })).toThrow(
      'No live worker can run this: draft-image runs on the CPU and no live worker can start it (lacking: draft-image is not installed there (not in its pipeline folders)).',
    );
    // Live workers whose Docker lacks its image: the same words as for GPU pipelines.
    const noImage = worker(
      'w',
      [],
      ALL.filter((id) => id !== 'draft-image'),
    );
    expect(noCapableCpu([noImage], catalogue.get('draft-image').manifest)).toBe(
      'its image studio/draft-image:latest is not built on any live worker (run scripts/build-pipeline-images there)',
    );
    // No worker at all (a restart, workers joining later): queued, and the user is told it waits.
    expect(dispatch({ data: draft, policy: 'queue', workers: [], catalogue, pinned: true })).toMatchObject({
      queue: 'cpu@draft-image',
      notice: noWorkerNotice('draft-image'),
    });
  });

  it('the quality table prefers a CPU pipeline a live worker can start, and a GPU fallback drops only to one', () => {
    // Two CPU image pipelines (the draft and a test double): the one a live worker can start.
    const withDoubles = new PipelineCatalogue([join(REPO_ROOT, 'pipelines'), join(REPO_ROOT, 'engine/src/testing/pipelines')]);
    expect(tablePipeline(withDoubles, 'generate-image', 'low', { workers: [worker('noop', [], ['test-noop'])] })).toBe('test-noop');
    expect(tablePipeline(withDoubles, 'generate-image', 'low', { workers: [worker('draft', [], ['draft-image'])] })).toBe('draft-image');
    // No GPU can hold FLUX dev; the CPU draft is not startable either: nothing to fall back to.
    expect(() =>
      dispatch({
        data: job('t2i-flux-dev-fp16', 'high', 24),
        policy: 'fallback',
        workers: [
          worker(
            'small',
            [[8, 0]],
            ALL.filter((x) => x !== 'draft-image'),
          ),
        ],
        catalogue,
        pinned: true,
        profiles: proven,
      }),
    ).toThrow(NoCapableWorkerError);
  });

  it('uses the observed peak once there is one: the manifest is only the prior', () => {
    const sixteen = [worker('w', [[16, 0]])];
    // The manifest says 24 GB for FLUX schnell: a 16 GB GPU cannot take it.
    expect(() => dispatch({ data: job('t2i-flux-schnell', 'standard', 24), policy: 'queue', workers: sixteen, catalogue, pinned: true })).toThrow(
      /needs 24 GB at standard quality and the largest live GPU has 16 GB/,
    );
    // Measured at 12.4 GB: 15 GB with headroom, so the 16 GB tier.
    const measured = observed([['t2i-flux-schnell', 'standard', 12.4]]);
    const routed = dispatch({ data: job('t2i-flux-schnell', 'standard', 24), policy: 'queue', workers: sixteen, catalogue, pinned: true, profiles: measured });
    expect(routed).toMatchObject({ queue: 'gpu-16@t2i-flux-schnell', data: { vramGB: 15 } });
    // And upwards: a pipeline measured above its manifest figure asks for more.
    const heavy = observed([['t2i-sd1.5', 'low', 20]]);
    expect(vramNeed(catalogue.get('t2i-sd1.5').manifest, 'low', heavy)).toEqual({ vramGB: 23, basis: 'observed' });
    // Runs that measured no peak leave the prior in place.
    expect(vramNeed(catalogue.get('t2i-sd1.5').manifest, 'low', observed([['t2i-sd1.5', 'low', null, 5]]))).toEqual({ vramGB: 12, basis: 'manifest' });
  });
});
