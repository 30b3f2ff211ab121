import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DRAFT_SCENE, ScenesFile, migrateScenesFile, type SceneRecord } from '@studio/node-schemas';
import { CorruptProjectError } from '../projects/manifest-file.ts';
import { migrateFile } from '../projects/format-errors.ts';
import { SCENES_FILE } from './review-paths.ts';

export type { SceneRecord };

/**
 * The review records of a project's scenes, read from `04_Project_Files/Review/scenes.json`. A
 * missing file is no records; a scene missing from it is draft with no budget (use sceneRecordOf).
 */
export async function readSceneRecords(projectDir: string): Promise<Record<string, SceneRecord>> {
  const path = join(projectDir, SCENES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
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

/** A scene's record, or draft with no budget when it has none. */
export function sceneRecordOf(records: Record<string, SceneRecord>, scene: string): SceneRecord {
  return records[scene] ?? DRAFT_SCENE;
}
