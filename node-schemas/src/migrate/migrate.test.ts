import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AssetManifest } from '../assets.ts';
import { CanvasFile } from '../graph.ts';
import { ProjectManifest } from '../project.ts';
import { validateGraph } from '../validate-graph.ts';
import { assetFormat, canvasFormat, loraSidecarFormat, projectFormat, takeSidecarFormat } from './formats.ts';
import { FormatError, migrate, type FileFormat } from './migrate.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);
const TEMPLATES = new URL('../../../templates/', import.meta.url);
const json = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as unknown;

/** Each file kind, its fixture folder, and the schema its current version must pass (null: provenance, free-form). */
const KINDS: Array<{ folder: string; format: FileFormat; parse: ((doc: unknown) => unknown) | null }> = [
  { folder: 'project', format: projectFormat, parse: (doc) => ProjectManifest.parse(doc) },
  { folder: 'canvas', format: canvasFormat, parse: (doc) => CanvasFile.parse(doc) },
  { folder: 'asset', format: assetFormat, parse: (doc) => AssetManifest.parse(doc) },
  { folder: 'take-sidecar', format: takeSidecarFormat, parse: null },
  { folder: 'lora-sidecar', format: loraSidecarFormat, parse: null },
];

function thrown(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('it did not throw');
}

describe.each(KINDS)('$folder fixtures', ({ folder, format, parse }) => {
  const dir = new URL(`${folder}/`, FIXTURES);
  const files = readdirSync(dir).sort();
  const current = json(new URL(`v${format.current}.json`, dir)) as Record<string, unknown>;

  it('include one of the current version, which is at the current format and passes the schema', () => {
    expect(files).toContain(`v${format.current}.json`);
    expect(current.format).toBe(format.current);
    if (parse) expect(parse(current)).toMatchObject({ format: format.current });
    expect(migrate(format, current)).toEqual({ doc: current, from: format.current });
  });

  it.each(files)('%s migrates to exactly the current fixture', (file) => {
    const raw = json(new URL(file, dir));
    const { doc, from } = migrate(format, raw);
    expect(from).toBe(Number(/^v(\d+)/.exec(file)![1]));
    expect(doc).toEqual(current);
    if (parse) parse(doc);
  });

  it('refuses a file newer than this code with FORMAT_TOO_NEW, naming both versions', () => {
    const error = thrown(() => migrate(format, { ...current, format: format.current + 1 }));
    expect(error.code).toBe('FORMAT_TOO_NEW');
    expect(error.data).toEqual({ kind: format.kind, format: format.current + 1, supported: format.current });
    expect(error.message).toMatch(new RegExp(`format ${format.current + 1}, newer than the ${format.current}`));
  });

  it('refuses a format that is not a whole number, and a file that is not an object', () => {
    for (const bad of ['1', 1.5, -1, null, true]) expect(thrown(() => migrate(format, { ...current, format: bad })).code).toBe('INVALID_FORMAT');
    for (const bad of [null, [], 'x', 3]) expect(thrown(() => migrate(format, bad)).code).toBe('INVALID_FORMAT');
  });
});

describe('a version 0 project', () => {
  it('keeps the settings it had and writes out the defaults it left implicit', () => {
    const old = json(new URL('project/v0.json', FIXTURES)) as Record<string, unknown>;
    const doc = migrate(projectFormat, {
      ...old,
      description: 'kept',
      project_settings: { aspect_ratio: '9:16', quality: 'high', hardware_policy: 'fallback', frame_rate: '25' },
    }).doc;
    expect(doc).toMatchObject({
      format: 1,
      description: 'kept',
      project_settings: { aspect_ratio: '9:16', quality: 'high', hardware_policy: 'fallback', frame_rate: '25' },
    });
  });
});

describe('templates/', () => {
  it('project.json and main_canvas.json are at the current format and pass their schemas', () => {
    const project = json(new URL('project.json', TEMPLATES));
    const canvas = json(new URL('main_canvas.json', TEMPLATES));
    expect(ProjectManifest.parse(project).format).toBe(projectFormat.current);
    expect(migrate(projectFormat, project).from).toBe(projectFormat.current);
    expect(CanvasFile.parse(canvas).format).toBe(canvasFormat.current);
    const { format: _format, ...graph } = CanvasFile.parse(canvas);
    expect(validateGraph(graph).ok).toBe(true);
  });
});
