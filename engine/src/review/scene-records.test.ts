import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSceneRecords, sceneRecordOf } from './scene-records.ts';
import { SCENES_FILE } from './review-paths.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scene-records-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeScenes(content: unknown) {
  await mkdir(dirname(join(dir, SCENES_FILE)), { recursive: true });
  await writeFile(join(dir, SCENES_FILE), typeof content === 'string' ? content : JSON.stringify(content));
}

describe('readSceneRecords', () => {
  it('reads no records from a project without scenes.json, and a missing scene is draft with no budget', async () => {
    const records = await readSceneRecords(dir);
    expect(records).toEqual({});
    expect(sceneRecordOf(records, 'SCENE_01')).toEqual({ status: 'draft', budget: null });
  });

  it('reads the records of scenes.json', async () => {
    await writeScenes({ format: 1, scenes: { SCENE_02: { status: 'approved', budget: 12.5, note: 'ok' } } });
    const records = await readSceneRecords(dir);
    expect(records.SCENE_02).toEqual({ status: 'approved', budget: 12.5, note: 'ok' });
    expect(sceneRecordOf(records, 'SCENE_01').status).toBe('draft');
  });

  it('upgrades a file without a format and refuses one from a newer studio', async () => {
    await writeScenes({ scenes: { SCENE_01: { status: 'in_review', budget: null } } });
    expect((await readSceneRecords(dir)).SCENE_01?.status).toBe('in_review');
    await writeScenes({ format: 99, scenes: {} });
    await expect(readSceneRecords(dir)).rejects.toMatchObject({ code: 'FORMAT_TOO_NEW' });
  });

  it('refuses a broken file with CORRUPT_PROJECT naming it', async () => {
    await writeScenes('{not json');
    await expect(readSceneRecords(dir)).rejects.toMatchObject({ code: 'CORRUPT_PROJECT' });
    await writeScenes({ format: 1, scenes: { SCENE_01: { status: 'finished', budget: null } } });
    await expect(readSceneRecords(dir)).rejects.toThrow(/scenes.json is invalid/);
  });
});
