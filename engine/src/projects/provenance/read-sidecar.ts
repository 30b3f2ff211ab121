import { migrateTakeSidecar, TakeSidecar } from '@studio/node-schemas';
import { StudioError } from '../../errors.ts';
import { migrateFile } from '../format-errors.ts';
import { readProjectJson } from './read-json-file.ts';

/** A sidecar that exists but does not hold provenance the studio can read. */
export class CorruptSidecarError extends StudioError {
  override readonly code = 'CORRUPT_PROJECT';
  override readonly status = 500;
}

/** A take's provenance sidecar, migrated and checked; null when there is none. A newer format is FormatTooNewError. */
export async function readTakeSidecar(projectDir: string, sidecarPath: string): Promise<TakeSidecar | null> {
  const raw = await readProjectJson(projectDir, sidecarPath);
  if (raw === null) return null;
  const doc = migrateFile(migrateTakeSidecar, raw, sidecarPath, (message, data) => new CorruptSidecarError(message, data));
  const parsed = TakeSidecar.safeParse(doc);
  if (!parsed.success) throw new CorruptSidecarError(`${sidecarPath} is not a take sidecar: ${parsed.error.issues[0]?.message}`, { path: sidecarPath });
  return parsed.data;
}
