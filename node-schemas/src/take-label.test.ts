import { describe, expect, it } from 'vitest';
import { takeLabel, takeNumbers } from './take-label.ts';

describe('takeLabel: what a person calls a take', () => {
  it('names shot takes and post-processing after scene and shot, with version and take number', () => {
    expect(takeLabel('03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take03.png')).toBe('SCENE_01 · SHOT_010 · v01 · take 03');
    expect(takeLabel('03_Renders/SCENE_01/SHOT_010/SHOT-010_SR_v02_take01.png')).toBe('SCENE_01 · SHOT_010 Super resolution · v02 · take 01');
    expect(takeLabel('03_Renders/SCENE_01/SHOT_010/SHOT-010_AUDIO_v01_take04.wav')).toBe('SCENE_01 · SHOT_010 Audio · v01 · take 04');
  });

  it("names a take of a node tied to no shot after the node's label, or its kind, never the id in its old file name", () => {
    const old = '03_Renders/AUDIO/audio-1n1x4p640/AUDIO-audio-1n1x4p640_v01_take01.wav';
    expect(takeLabel(old, 'Narrator')).toBe('Narrator · v01 · take 01');
    expect(takeLabel(old)).toBe('Audio · v01 · take 01');
    expect(takeLabel(old)).not.toContain('1n1x4p640');
    expect(takeNumbers(old)).toEqual({ version: 1, take: 1 });
  });
});
