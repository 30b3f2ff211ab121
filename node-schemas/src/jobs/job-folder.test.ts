import { describe, expect, it } from 'vitest';
import { ErrorLine, PipelineRequest, PipelineStdoutLine, ProgressLine, ResultLine } from './job-folder.ts';

/** The request.json of pipelines/README.md. */
const request = {
  job_id: 'gen-3f2a',
  pipeline: 'draft-video',
  task_type: 'generate-video',
  quality: 'standard',
  seed: 1234567,
  prompt: 'A lighthouse at dusk, waves below',
  negative_prompt: '',
  params: { scale: 2 },
  width: 1280,
  height: 720,
  aspect_ratio: '16:9',
  fps: 24,
  duration: 4.0,
  inputs: { input: 'in/input.mp4' },
  outputs: { output: 'out/output.mp4' },
};

describe('the job-folder contract', () => {
  it('reads the request.json of the pipelines README', () => {
    expect(PipelineRequest.parse(request)).toEqual(request);
  });
  it('refuses a request with paths out of the job folder, an unknown quality or an unknown field', () => {
    expect(PipelineRequest.safeParse({ ...request, inputs: { input: '../../etc/passwd' } }).success).toBe(false);
    expect(PipelineRequest.safeParse({ ...request, outputs: { output: '/tmp/x.mp4' } }).success).toBe(false);
    expect(PipelineRequest.safeParse({ ...request, quality: 'ultra' }).success).toBe(false);
    expect(PipelineRequest.safeParse({ ...request, shell: 'rm -rf /' }).success).toBe(false);
  });
  it('tells the stdout lines a pipeline prints apart', () => {
    expect(ProgressLine.safeParse({ progress: 0.42, step: 'denoising' }).success).toBe(true);
    expect(ProgressLine.safeParse({ progress: 1.5 }).success).toBe(false);
    expect(ResultLine.safeParse({ result: { peak_vram_mb: 21834.5, wall_s: 312.4, vram_source: 'torch' } }).success).toBe(true);
    expect(ResultLine.safeParse({ result: { peak_vram_mb: null, wall_s: 2, vram_source: null } }).success).toBe(true);
    expect(ResultLine.safeParse({ result: { peak_vram_mb: -5, wall_s: 2, vram_source: null } }).success).toBe(false);
    expect(ErrorLine.safeParse({ error: 'the prompt failed the safety check' }).success).toBe(true);
    expect(PipelineStdoutLine.safeParse({ progress: 'half' }).success).toBe(false);
  });
});
