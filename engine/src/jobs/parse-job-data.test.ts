import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { GenerateJobData } from '@studio/node-schemas';
import { parseJobData } from './parse-job-data.ts';

const data: GenerateJobData = {
  projectId: 'p-1',
  nodeId: 'shot-1',
  nodeType: 'shot',
  subject: { folder: '03_Renders/SCENE_01/SHOT_010', name: 'SHOT-010' },
  pipelineId: 'draft-image',
  taskType: 'generate-image',
  quality: 'low',
  seed: 7,
  prompt: 'a lighthouse',
  negativePrompt: '',
  params: {},
  width: 512,
  height: 288,
  aspectRatio: '16:9',
  fps: 24,
  duration: 3,
  inputs: {},
  fingerprint: 'abc',
  vramGB: 0,
  shareable: false,
  requestedAt: '2024-01-01T00:00:00.000Z',
};

describe('parseJobData', () => {
  it('passes a well-formed payload through and drops keys a newer engine added', () => {
    const parsed = parseJobData(GenerateJobData, { id: '1', name: 'generate', data: { ...data, addedLater: true } });
    expect(parsed).toEqual(data);
  });
  it('fails a payload it cannot read for good, naming the fields', () => {
    const bad = { id: '2', name: 'generate', data: { ...data, seed: 'seven', subject: { folder: '' } } };
    expect(() => parseJobData(GenerateJobData, bad)).toThrow(UnrecoverableError);
    expect(() => parseJobData(GenerateJobData, bad)).toThrow(/job 2 \(generate\) carries data this worker cannot read: subject\.folder: .*; seed: /);
  });
});
