import { FormatError } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';

/** A file written by a newer studio (docs/formats.md): refused rather than read with its new fields dropped. */
export class FormatTooNewError extends StudioError {
  override readonly code = 'FORMAT_TOO_NEW';
  override readonly status = 409;
}

/**
 * Runs a node-schemas migration on a parsed file: a newer format becomes FormatTooNewError, an
 * unreadable one the caller's error (`corrupt`), both naming the file.
 */
export function migrateFile(
  migrateFn: (raw: unknown) => Record<string, unknown>,
  raw: unknown,
  path: string,
  corrupt: (message: string, data: Record<string, unknown>) => Error,
): Record<string, unknown> {
  try {
    return migrateFn(raw);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    if (error.code === 'FORMAT_TOO_NEW') throw new FormatTooNewError(error.message, { ...error.data, path });
    throw corrupt(error.message, { path });
  }
}
