import { describe, expect, it } from 'vitest';
import type { PipelineChoice } from '$lib/engine-features.svelte';
import { motionPipeline } from './motion-pipeline';

const edges: PipelineChoice = {
  id: 'motion-edges-ffmpeg',
  title: 'Motion map',
  taskType: 'extract-motion',
  vram: 'CPU',
  observed: null,
  unverified: false,
  problem: null,
};
const depth: PipelineChoice = {
  id: 'motion-depth-anything',
  title: 'Depth map video',
  taskType: 'extract-motion',
  vram: '8 GB low · 8 GB standard · 8 GB high',
  observed: null,
  unverified: true,
  problem: 'Needs a GPU with 8 GB: no GPU worker is running',
};
const image: PipelineChoice = {
  id: 'draft-image',
  title: 'Draft still',
  taskType: 'generate-image',
  vram: 'CPU',
  observed: null,
  unverified: false,
  problem: null,
};

describe('the pipeline Extract motion runs', () => {
  it('is the wired one, unverified and with its problem, when a Pipeline node names one', () => {
    expect(motionPipeline([edges, depth], 'motion-depth-anything')).toEqual({
      id: 'motion-depth-anything',
      title: 'Depth map video',
      source: 'wired',
      unverified: true,
      problem: 'Needs a GPU with 8 GB: no GPU worker is running',
    });
  });

  it("is the table's CPU pipeline when none is wired and the unverified GPU one never ran here", () => {
    expect(motionPipeline([depth, edges], null)).toMatchObject({ id: 'motion-edges-ffmpeg', source: 'table', unverified: false });
  });

  it('is the GPU one once it ran here and a live worker can run it, no longer marked unverified', () => {
    const ran = { ...depth, problem: null, observed: 'seen 6 GB peak · needs 7 GB · 1 run · 12 s' };
    expect(motionPipeline([edges, ran], null)).toMatchObject({ id: 'motion-depth-anything', source: 'table', unverified: false });
  });

  it('says so when the wired pipeline does something else or is not installed', () => {
    expect(motionPipeline([edges, image], 'draft-image').problem).toBe('It does generate-image, not motion extraction: choose a motion pipeline');
    expect(motionPipeline([edges], 'gone-pipeline')).toMatchObject({ source: 'wired', problem: 'Not installed on this engine' });
    expect(motionPipeline([image], null)).toMatchObject({ id: null, source: 'none', title: 'No motion pipeline installed' });
    expect(motionPipeline([], null)).toMatchObject({ id: null, source: 'none', title: '…' });
  });
});
