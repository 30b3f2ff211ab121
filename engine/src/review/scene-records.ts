import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DRAFT_SCENE, SCENES_FILE_FORMAT, ScenesFile, migrateScenesFile, type SceneRecord } from '@studio/node-schemas';
import { atomicWriteFile } from '../projects/atomic-write.ts';
import { CorruptProjectError } from '../projects/manifest-file.ts';
import { migrateFile } from '../projects/format-errors.ts';
import { SCENES_FILE } from './review-paths.ts';

export type { SceneRecord };

function parseScenes(text: string, path: string): Record<string, SceneRecord> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CorruptProjectError(`cannot read ${SCENES_FILE}: ${(error as Error).message}`, { path });
  }
  const migrated = migrateFile(migrateScenesFile, raw, path, (message, data) => new CorruptProjectError(message, data));
  const parsed = ScenesFile.safeParse(migrated);
  if (!parsed.success) throw new CorruptProjectError(`${SCENES_FILE} is invalid: ${parsed.error.issues[0]?.message}`, { path });
  return parsed.data.scenes;
}

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The review records of a project's scenes, read from `04_Project_Files/Review/scenes.json`. A
 * missing file is no records; a scene missing from it is draft with no budget (use sceneRecordOf).
 */
export async function readSceneRecords(projectDir: string): Promise<Record<string, SceneRecord>> {
  const path = join(projectDir, SCENES_FILE);
  try {
    return parseScenes(await readFile(path, 'utf8'), path);
  } catch (error) {
    if (missing(error)) return {};
    throw error;
  }
}

/** The same, synchronously: a room's edit guard needs the records before its first edit is applied. */
export function readSceneRecordsSync(projectDir: string): Record<string, SceneRecord> {
  const path = join(projectDir, SCENES_FILE);
  try {
    return parseScenes(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if (missing(error)) return {};
    throw error;
  }
}

/** scenes.json's content, as committed through the project repository. */
export function serializeSceneRecords(scenes: Record<string, SceneRecord>): string {
  const file: ScenesFile = { format: SCENES_FILE_FORMAT, scenes };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Writes scenes.json outside any commit: for fixtures that build a project's files (benchmarks). */
export async function writeSceneRecords(projectDir: string, scenes: Record<string, SceneRecord>): Promise<void> {
  await mkdir(dirname(join(projectDir, SCENES_FILE)), { recursive: true });
  await atomicWriteFile(join(projectDir, SCENES_FILE), serializeSceneRecords(scenes));
}

/** A scene's record, or draft with no budget when it has none. */
export function sceneRecordOf(records: Record<string, SceneRecord>, scene: string): SceneRecord {
  return records[scene] ?? DRAFT_SCENE;
}
