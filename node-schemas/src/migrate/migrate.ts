/**
 * Versioned file formats (docs/formats.md). Every saved file carries an integer `format`; a file
 * without one is version 0 (what was written before formats existed). A format's migrations are
 * steps from version n to n + 1, applied in order on load, so an old file reads as the current
 * version; a file newer than this code knows is refused, never read with its new fields dropped.
 */

export type FormatErrorCode = 'FORMAT_TOO_NEW' | 'INVALID_FORMAT';

export class FormatError extends Error {
  constructor(
    readonly code: FormatErrorCode,
    message: string,
    readonly data: { kind: string; format: unknown; supported: number },
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

export type JsonObject = Record<string, unknown>;

/** One step: a version n document in, a version n + 1 document out (without `format`; the runner stamps it). */
export type MigrationStep = (doc: JsonObject) => JsonObject;

export interface FileFormat {
  /** What the file is, for messages: "project.json", "main_canvas.json"... */
  kind: string;
  /** The version this code writes. */
  current: number;
  /** steps[n] upgrades version n to n + 1; there is one for every n below `current`. */
  steps: readonly MigrationStep[];
  /**
   * Older spellings of the version key, e.g. `{format: "studio-asset", format_version: 1}`:
   * returns the version and the document without the old keys, or null when the spelling is not one.
   */
  legacy?: (doc: JsonObject) => { version: number; doc: JsonObject } | null;
}

export function defineFormat(format: FileFormat): FileFormat {
  if (format.steps.length !== format.current)
    throw new Error(`${format.kind}: ${format.current} format versions need ${format.current} migration steps, not ${format.steps.length}`);
  return format;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The version of a parsed file: its integer `format`, a legacy spelling, or 0 when it has none. */
export function formatVersionOf(format: FileFormat, doc: JsonObject): { version: number; doc: JsonObject } {
  const legacy = format.legacy?.(doc);
  if (legacy) return legacy;
  if (!('format' in doc) || doc.format === undefined) return { version: 0, doc };
  const { format: version, ...rest } = doc;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
    throw new FormatError('INVALID_FORMAT', `${format.kind} has format ${JSON.stringify(version)}: a format is a whole number`, {
      kind: format.kind,
      format: version,
      supported: format.current,
    });
  return { version, doc: rest };
}

/**
 * Upgrades a parsed file to the current version and stamps `format` on it. Throws FormatError
 * (FORMAT_TOO_NEW) for a file written by newer code, and (INVALID_FORMAT) for one that is not a
 * JSON object or has a `format` that is not a whole number. The result still has to pass the
 * current schema.
 */
export function migrate(format: FileFormat, raw: unknown): { doc: JsonObject; from: number } {
  if (!isObject(raw))
    throw new FormatError('INVALID_FORMAT', `${format.kind} is not a JSON object`, { kind: format.kind, format: null, supported: format.current });
  const { version, doc } = formatVersionOf(format, raw);
  if (version > format.current)
    throw new FormatError(
      'FORMAT_TOO_NEW',
      `${format.kind} has format ${version}, newer than the ${format.current} this studio reads: it was written by a newer version of the studio; upgrade to open it`,
      { kind: format.kind, format: version, supported: format.current },
    );
  let current = doc;
  for (let v = version; v < format.current; v++) current = format.steps[v]!(current);
  return { doc: { format: format.current, ...current }, from: version };
}
