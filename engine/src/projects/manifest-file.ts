import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProjectManifest, migrateProject } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { atomicWriteJson } from './atomic-write.ts';
import { migrateFile } from './format-errors.ts';
import { MANIFEST_FILE } from './layout.ts';

export class CorruptProjectError extends StudioError {
  override readonly code = 'CORRUPT_PROJECT';
}

export async function readManifest(projectDir: string): Promise<ProjectManifest> {
  const path = join(projectDir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CorruptProjectError(`cannot read ${MANIFEST_FILE}: ${(error as Error).message}`, { path });
  }
  // Older formats are upgraded here, on load; the file is written in the current one at its next change.
  const migrated = migrateFile(migrateProject, raw, path, (message, data) => new CorruptProjectError(message, data));
  const parsed = ProjectManifest.safeParse(migrated);
  if (!parsed.success) throw new CorruptProjectError(`${MANIFEST_FILE} is invalid: ${parsed.error.issues[0]?.message}`, { path });
  return parsed.data;
}

export async function writeManifest(projectDir: string, manifest: ProjectManifest): Promise<void> {
  await atomicWriteJson(join(projectDir, MANIFEST_FILE), manifest);
}
