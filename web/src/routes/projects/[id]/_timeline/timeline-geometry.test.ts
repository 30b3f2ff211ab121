import { describe, expect, it } from 'vitest';
import { sequenceShots, type Graph } from '@studio/node-schemas';
import { clipAt, dissolveLimit, fitScale, frameAtPixel, layoutClips, takeFrames, timecodeOf, trimTo, visibleRange, type ClipSource } from './timeline-geometry';

const clip = (nodeId: string, frames: number, dissolveFrames = 0, inFrames = 0): ClipSource => ({ nodeId, frames, dissolveFrames, inFrames });

describe('timeline layout', () => {
  it('places clips end to end, a dissolve overlapping the previous clip by its length', () => {
    const { clips, frames, width } = layoutClips([clip('a', 48), clip('b', 24, 12), clip('c', 36)], 2);
    expect(clips.map((c) => [c.start, c.end])).toEqual([
      [0, 48],
      [36, 60],
      [60, 96],
    ]);
    expect(clips.map((c) => [c.x, c.width, c.overlap])).toEqual([
      [0, 96, 0],
      [72, 48, 24],
      [120, 72, 0],
    ]);
    expect(frames).toBe(96);
    expect(width).toBe(192);
  });

  it('has the same record length as the compiled sequence the EDL is written from', () => {
    const shot = (id: string, name: string, data: Record<string, unknown> = {}) => ({
      id,
      type: 'shot',
      position: { x: 0, y: 0 },
      data: { scene: 'SCENE_01', shot: name, prompt: '', duration: 2, taskType: 'generate-video', activeTake: `t/${id}.mp4`, ...data },
    });
    const graph = {
      nodes: [
        shot('b', 'SHOT_020', { inPoint: 0.5 }),
        shot('a', 'SHOT_010', { transition: { type: 'dissolve', frames: 10 } }),
        shot('c', 'SHOT_030', { outPoint: 1 }),
        { id: 'v', type: 'vseAssembler', position: { x: 0, y: 0 }, data: { title: 'T', fps: '24' } },
      ],
      edges: ['a', 'b', 'c'].map((s) => ({ id: `e${s}`, source: s, sourceHandle: 'output', target: 'v', targetHandle: 'sequence' })),
    } as unknown as Graph;
    const cut = sequenceShots(graph, 'v', 24);
    const layout = layoutClips(cut.shots, 1);
    expect(layout.clips.map((c) => c.nodeId)).toEqual(['a', 'b', 'c']);
    expect(layout.frames).toBe(cut.frames);
    expect(layout.frames).toBe(48 + 36 + 24 - 10);
  });

  it('fits the cut to the strip within a readable scale', () => {
    expect(fitScale({ frames: 100, width: 400 })).toBe(4);
    expect(fitScale({ frames: 48_000, width: 1200 })).toBe(0.5);
    expect(fitScale({ frames: 10, width: 1200 })).toBe(8);
    expect(fitScale({ frames: 0, width: 1200 })).toBe(8);
  });
});

describe('what is in view', () => {
  const { clips } = layoutClips(
    Array.from({ length: 500 }, (_, i) => clip(`s${i}`, 96)),
    1,
  );

  it('finds the clips crossing the window by binary search', () => {
    expect(visibleRange(clips, 0, 200)).toEqual([0, 2]);
    expect(visibleRange(clips, 960, 100)).toEqual([10, 11]);
    expect(visibleRange(clips, 96 * 499 + 10, 1000)).toEqual([499, 499]);
  });

  it('finds none past the end or in an empty cut', () => {
    expect(visibleRange(clips, 96 * 500 + 1, 100)).toEqual([0, -1]);
    expect(visibleRange([], 0, 100)).toEqual([0, -1]);
  });
});

describe('the playhead', () => {
  const shots = [clip('a', 48, 0, 10), clip('b', 24, 12, 0)];
  const { clips } = layoutClips(shots, 1);

  it('shows the source frame of the clip under it, the incoming one inside a dissolve', () => {
    expect(clipAt({ clips, shots, frame: 0 })).toEqual({ index: 0, sourceFrame: 10 });
    expect(clipAt({ clips, shots, frame: 35 })).toEqual({ index: 0, sourceFrame: 45 });
    expect(clipAt({ clips, shots, frame: 36 })).toEqual({ index: 1, sourceFrame: 0 });
    expect(clipAt({ clips, shots, frame: 59 })).toEqual({ index: 1, sourceFrame: 23 });
  });

  it('holds to the last frame past the end and to the first before it', () => {
    expect(clipAt({ clips, shots, frame: 500 })).toEqual({ index: 1, sourceFrame: 23 });
    expect(clipAt({ clips, shots, frame: -4 })).toEqual({ index: 0, sourceFrame: 10 });
    expect(clipAt({ clips: [], shots: [], frame: 0 })).toBeNull();
  });

  it('maps a pixel to a frame inside the cut', () => {
    expect(frameAtPixel({ x: 45, pxPerFrame: 2, frames: 100 })).toBe(22);
    expect(frameAtPixel({ x: -5, pxPerFrame: 2, frames: 100 })).toBe(0);
    expect(frameAtPixel({ x: 5000, pxPerFrame: 2, frames: 100 })).toBe(99);
  });

  it('writes a timecode at the rounded timebase', () => {
    expect(timecodeOf(0, 24)).toBe('00:00:00:00');
    expect(timecodeOf(24 * 61 + 5, 24)).toBe('00:01:01:05');
    expect(timecodeOf(24 * 3600, 23.976)).toBe('01:00:00:00');
  });
});

describe('trim limits', () => {
  it('holds the out point to the take and past the in point', () => {
    expect(trimTo({ edge: 'out', inFrames: 0, outFrames: 48, deltaFrames: 30, takeFrames: 60 })).toEqual({ inFrames: 0, outFrames: 60 });
    expect(trimTo({ edge: 'out', inFrames: 10, outFrames: 48, deltaFrames: -100, takeFrames: 60 })).toEqual({ inFrames: 10, outFrames: 11 });
    expect(trimTo({ edge: 'out', inFrames: 0, outFrames: 48, deltaFrames: -7.6, takeFrames: 60 })).toEqual({ inFrames: 0, outFrames: 40 });
  });

  it('holds the in point to the take start and before the out point', () => {
    expect(trimTo({ edge: 'in', inFrames: 6, outFrames: 48, deltaFrames: -20, takeFrames: 60 })).toEqual({ inFrames: 0, outFrames: 48 });
    expect(trimTo({ edge: 'in', inFrames: 6, outFrames: 48, deltaFrames: 100, takeFrames: 60 })).toEqual({ inFrames: 47, outFrames: 48 });
    expect(trimTo({ edge: 'in', inFrames: 6, outFrames: 48, deltaFrames: 12, takeFrames: 60 })).toEqual({ inFrames: 18, outFrames: 48 });
  });

  it('counts a take in whole frames', () => {
    expect(takeFrames(2.0, 24)).toBe(48);
    expect(takeFrames(1.99, 24)).toBe(48);
    expect(takeFrames(0.001, 24)).toBe(1);
  });

  it('limits a dissolve to what both neighbours hold', () => {
    expect(dissolveLimit({ outgoing: clip('a', 48), incoming: clip('b', 24) })).toBe(24);
    expect(dissolveLimit({ outgoing: clip('a', 20, 8), incoming: clip('b', 96) })).toBe(12);
    expect(dissolveLimit({ outgoing: clip('a', 1), incoming: clip('b', 96) })).toBe(0);
  });
});
