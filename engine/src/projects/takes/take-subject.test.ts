import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Graph, GraphNode } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempWorkspace } from '../../testing/temp-workspace.ts';
import { highestTakeOnDisk, listTakes } from './list-takes.ts';
import { takeSubject } from './take-subject.ts';

const node = (id: string, type: string, data: Record<string, unknown>): GraphNode => ({ id, type, position: { x: 0, y: 0 }, data }) as GraphNode;
const shot = node('shot-1', 'shot', { scene: 'SCENE_02', shot: 'SHOT_030' });
const graph = (...nodes: GraphNode[]): Graph =>
  ({ nodes: [shot, ...nodes], edges: [{ id: 'e', source: 'shot-1', sourceHandle: 'image', target: 'sr-1', targetHandle: 'input' }] }) as Graph;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const ws = await tempWorkspace();
  cleanup = ws.cleanup;
  dir = join(ws.workspace.projectsDir, 'p');
});
afterAll(() => cleanup());

describe('take names (docs/project-layout.md#takes)', () => {
  it("names a shot's takes and its post-processing after the shot, as before", () => {
    expect(takeSubject(graph(), shot)).toEqual({ folder: '03_Renders/SCENE_02/SHOT_030', name: 'SHOT-030' });
    const sr = node('sr-1', 'superResolution', { scale: 2 });
    expect(takeSubject(graph(sr), sr)).toEqual({ folder: '03_Renders/SCENE_02/SHOT_030', name: 'SHOT-030_SR' });
    const audio = node('audio-1n1x4p640', 'audio', { scene: 'SCENE_01', shot: 'SHOT_010', text: 'hi' });
    expect(takeSubject(graph(audio), audio)).toEqual({ folder: '03_Renders/SCENE_01/SHOT_010', name: 'SHOT-010_AUDIO' });
  });

  it('names a new take of an audio node tied to no shot after its label, never its id', () => {
    const labelled = node('audio-1n1x4p640', 'audio', { label: 'Narrator (old man)', text: 'hi' });
    const subject = takeSubject(graph(labelled), labelled);
    expect(subject.name).toBe('AUDIO-NARRATOR_OLD_MAN');
    expect(subject.name).not.toContain('1n1x4p640');
    const bare = node('audio-1n1x4p640', 'audio', { text: 'hi' });
    expect(takeSubject(graph(bare), bare)).toEqual({ folder: '03_Renders/AUDIO/audio-1n1x4p640', name: 'AUDIO' });
  });

  it("still lists an audio node's old takes (named after its id, or its label before a rename), and never reuses their numbers", async () => {
    const folder = '03_Renders/AUDIO/audio-1n1x4p640';
    await mkdir(join(dir, folder), { recursive: true });
    for (const file of ['AUDIO-audio-1n1x4p640_v01_take01.wav', 'AUDIO-NARRATOR_v01_take02.wav', 'AUDIO-NARRATOR_v01_take02.json', 'takes.json', 'notes.txt'])
      await writeFile(join(dir, folder, file), 'x');
    const renamed = node('audio-1n1x4p640', 'audio', { label: 'Mara', text: 'hi' });
    const subject = takeSubject(graph(renamed), renamed);
    expect(subject.name).toBe('AUDIO-MARA');
    expect(await listTakes(dir, subject)).toEqual([`${folder}/AUDIO-audio-1n1x4p640_v01_take01.wav`, `${folder}/AUDIO-NARRATOR_v01_take02.wav`]);
    expect(await highestTakeOnDisk(dir, subject)).toBe(2);
  });

  it("in a shot's folder lists only that subject's takes", async () => {
    const folder = '03_Renders/SCENE_02/SHOT_030';
    await mkdir(join(dir, folder), { recursive: true });
    for (const file of ['SHOT-030_v01_take01.png', 'SHOT-030_SR_v01_take02.png', 'SHOT-030_AUDIO_v01_take01.wav'])
      await writeFile(join(dir, folder, file), 'x');
    expect(await listTakes(dir, takeSubject(graph(), shot))).toEqual([`${folder}/SHOT-030_v01_take01.png`]);
  });
});
