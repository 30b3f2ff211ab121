import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/temp-workspace.ts';
import { importCmx3600 } from './testing/cmx3600-importer.ts';

let app: FastifyInstance;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, cleanup } = await testApp()));
afterAll(() => cleanup());

const takeOf = (scene: string, shot: string) => `03_Renders/${scene}/${shot}/${shot.replace('_', '-')}_v01_take01.mp4`;
const shot = (id: string, scene: string, shotName: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'shot',
  position: { x: 0, y: 0 },
  data: { scene, shot: shotName, duration: 2, activeTake: takeOf(scene, shotName), ...extra },
});
const wire = (id: string, source: string, targetHandle = 'sequence') => ({
  id,
  source,
  sourceHandle: targetHandle === 'audio' ? 'audio' : 'output',
  target: 'vse',
  targetHandle,
});

async function project(name: string, graph: unknown): Promise<string> {
  const { id } = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name } })).json() as { id: string };
  const res = await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph, version: 1 } });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

describe('an NLE importing our lists by reel and clip name alone', () => {
  it('links every event, on both sides of each dissolve, to the right scene and shot, and finds no black on audio', async () => {
    // Two scenes with the same shot numbers: the file names SHOT-010_v01_take01.mp4 repeat.
    const graph = {
      nodes: [
        shot('a1', 'SCENE_01', 'SHOT_010', { transition: { type: 'dissolve', frames: 12 } }),
        shot('a2', 'SCENE_01', 'SHOT_020'),
        shot('b1', 'SCENE_02', 'SHOT_010', { transition: { type: 'dissolve', frames: 6 } }),
        shot('b2', 'SCENE_02', 'SHOT_020'),
        {
          id: 'line',
          type: 'audio',
          position: { x: 0, y: 0 },
          data: { scene: 'SCENE_02', shot: 'SHOT_010', text: 'Hello', activeTake: '03_Renders/SCENE_02/SHOT_010/SHOT-010_v01_take02.wav' },
        },
        { id: 'vse', type: 'vseAssembler', position: { x: 900, y: 0 }, data: { title: 'Import', fps: '24' } },
      ],
      edges: [wire('e1', 'a1'), wire('e2', 'a2'), wire('e3', 'b1'), wire('e4', 'b2'), wire('e5', 'line', 'audio')],
    };
    const id = await project('NLE import', graph);
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/edl?assembler=vse` });
    expect(res.statusCode, res.body).toBe(200);
    const { clips } = importCmx3600(res.body);

    // Each reel names one clip and each clip one reel: the importer can link media by either.
    const named = clips.filter((c) => c.clipName !== null);
    const reelToClip = new Map<string, Set<string>>();
    for (const c of named) reelToClip.set(c.reel, (reelToClip.get(c.reel) ?? new Set()).add(c.clipName!));
    for (const [reel, names] of reelToClip) expect([reel, [...names]]).toEqual([reel, [...names].slice(0, 1)]);
    const clipToReel = new Map(named.map((c) => [c.clipName!, c.reel]));
    expect(new Set(clipToReel.values()).size).toBe(clipToReel.size);

    // What the importer links each picture event to, from reel and clip name alone.
    const clipOfReel = (reel: string) => [...(reelToClip.get(reel) ?? [])][0] ?? null;
    const picture = clips.filter((c) => c.track === 'V').map((c) => ({ reel: c.reel, clip: c.clipName ?? clipOfReel(c.reel), transition: c.transition }));
    expect(picture).toEqual([
      { reel: 'S01_010', clip: 'SCENE_01_SHOT-010_v01_take01.mp4', transition: 'C' },
      // The dissolve: outgoing side, then incoming side.
      { reel: 'S01_010', clip: 'SCENE_01_SHOT-010_v01_take01.mp4', transition: 'C' },
      { reel: 'S01_020', clip: 'SCENE_01_SHOT-020_v01_take01.mp4', transition: 'D' },
      { reel: 'S02_010', clip: 'SCENE_02_SHOT-010_v01_take01.mp4', transition: 'C' },
      { reel: 'S02_010', clip: 'SCENE_02_SHOT-010_v01_take01.mp4', transition: 'C' },
      { reel: 'S02_020', clip: 'SCENE_02_SHOT-020_v01_take01.mp4', transition: 'D' },
    ]);
    // The clip name says scene and file; the reel says scene and shot: both agree with the take.
    for (const p of picture) {
      const [, scene, shotNumber] = /^S(\d+)_(\d+)$/.exec(p.reel)!;
      expect(p.clip).toBe(`SCENE_${scene}_SHOT-${shotNumber}_v01_take01.mp4`);
    }

    // Dialogue sits under its shot after a gap; no BL event on any audio track.
    const audio = clips.filter((c) => c.track === 'A');
    expect(audio.map((c) => c.reel)).toEqual(['A02_010']);
    expect(audio[0]!.clipName).toBe('SCENE_02_SHOT-010_v01_take02.wav');
    expect(audio[0]!.recordIn).toBe(clips.find((c) => c.reel === 'S02_010' && c.transition === 'C' && c.recordIn !== c.recordOut)!.recordIn);
    expect(clips.filter((c) => c.track === 'A' && ['BL', 'BLK', 'BLACK'].includes(c.reel))).toEqual([]);
  });
});
