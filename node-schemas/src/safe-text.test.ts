import { describe, expect, it } from 'vitest';
import { CreateProjectRequest, ProjectManifest, UpdateProjectRequest } from './project.ts';
import { findProtoKey } from './proto-keys.ts';
import { migrateProject } from './migrate/formats.ts';
import { applyEdits, docFromGraph } from './apply-edit.ts';

const title = (t: string) => CreateProjectRequest.safeParse({ name: t });

describe('project titles are readable names', () => {
  it.each([
    ['a control character', 'Night\u0007Train'],
    ['a C1 control character', 'Night\u0085Train'],
    ['a right-to-left override', 'Invoice \u202Egpj.exe'],
    ['a bidi isolate', 'Night \u2066Train'],
    ['a line separator', 'Night\u2028Train'],
    ['a lone high surrogate', 'Night \uD800 Train'],
    ['a lone low surrogate', '\uDC00Night'],
    ['only zero-width characters', '\u200B\u200C\u200D\uFEFF'],
    ['only a Hangul filler', '\u3164'],
  ])('refuses %s, in create and update', (_what, text) => {
    expect(title(text).success).toBe(false);
    expect(UpdateProjectRequest.safeParse({ version: 1, title: text }).success).toBe(false);
  });

  it.each(['Night Train', 'ליל הרכבת', 'قطار الليل', 'Café — № 5', '夜行列車 🚂', 'e\u0301te\u0301', 'Zwölf'])('accepts %s', (text) => {
    expect(title(text).success).toBe(true);
  });

  it('still opens a project.json whose title predates the rules', () => {
    const manifest = {
      uuid: '0b7c2b2e-7a3e-4a56-9c1e-3f0b7c2b2e7a',
      title: 'Old \u202E title',
      canvas_path: '02_Source_Creative/Canvases/main_canvas.json',
      project_settings: {},
      version: 1,
    };
    // Opening is migrating (this one has no format: version 0) and parsing.
    expect(ProjectManifest.safeParse(migrateProject(manifest)).success).toBe(true);
  });
});

describe('__proto__ keys are refused, not dropped', () => {
  it('finds one anywhere in parsed JSON', () => {
    expect(findProtoKey(JSON.parse('{"a":{"b":[{"__proto__":{"x":1}}]}}'))).toBe('a.b.0.__proto__');
    expect(findProtoKey({ a: { constructor: 1 } })).toBeNull();
  });

  it('applyEdits refuses node data holding one (client and server apply the same code)', () => {
    const doc = docFromGraph({
      nodes: [{ id: 's1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010' } }],
      edges: [],
    } as never);
    const edit = JSON.parse('{"op":"update_node","id":"s1","changes":{"data":{"params":{"__proto__":5,"steps":3}}}}');
    const result = applyEdits(doc, [edit]);
    expect(result.ok).toBe(false);
    expect(doc.nodes.get('s1')!.data).not.toHaveProperty('params');
  });
});
