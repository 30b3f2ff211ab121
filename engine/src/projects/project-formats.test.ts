import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANVAS_FORMAT, PROJECT_FORMAT } from '@studio/node-schemas';
import { REPO_ROOT } from '../config.ts';
import type { EngineContext } from '../server/context.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { createProject } from './create-project.ts';
import { CANVAS_PATH, MANIFEST_FILE } from './layout.ts';

// Projects on disk in older formats open through the node-schemas migrations (docs/formats.md);
// one in a newer format is refused with FORMAT_TOO_NEW and left as it is.
let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const fixture = (path: string) => readFile(join(REPO_ROOT, 'node-schemas', 'fixtures', path), 'utf8');
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

/** A project whose project.json and canvas are replaced (and committed) with the given text, before any room opens it. */
async function projectOnDisk(name: string, files: { manifest: string; canvas: string }) {
  const { id, dir } = await createProject({ workspace: ctx.workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name } });
  await writeFile(join(dir, MANIFEST_FILE), files.manifest);
  await writeFile(join(dir, CANVAS_PATH), files.canvas);
  git(dir, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'Files as an older studio wrote them', '--', MANIFEST_FILE, CANVAS_PATH);
  return { id, dir };
}

describe('project formats on load', () => {
  it('opens a version 0 project (no format keys), and writes both files in the current format at its next save', async () => {
    const { id, dir } = await projectOnDisk('Old Lighthouse', { manifest: await fixture('project/v0.json'), canvas: await fixture('canvas/v0.json') });
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      format: number;
      version: number;
      project_settings: Record<string, string>;
      graph: { nodes: Array<{ id: string }>; format?: unknown };
    };
    expect(body).toMatchObject({ format: PROJECT_FORMAT, version: 7, project_settings: { quality: 'standard', hardware_policy: 'queue', frame_rate: '24' } });
    expect(body.graph.nodes.map((n) => n.id)).toEqual(['shot-1', 'pipe-1']);
    expect(body.graph.format).toBeUndefined();

    const put = await app.inject({ method: 'PUT', url: `/api/v1/projects/${id}`, payload: { graph: body.graph, version: 7 } });
    expect(put.statusCode).toBe(200);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    const canvas = JSON.parse(await readFile(join(dir, CANVAS_PATH), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      format: PROJECT_FORMAT,
      uuid: '3f0c2a9e-5b1d-4c7e-9a2f-6d8e1b4c7a10',
      project_settings: { frame_rate: '24', hardware_policy: 'queue' },
    });
    expect(canvas).toMatchObject({ format: CANVAS_FORMAT, version: 8 });
  });

  it('refuses a project.json from a newer studio with FORMAT_TOO_NEW and leaves it untouched', async () => {
    const newer = JSON.stringify({ ...JSON.parse(await fixture('project/v1.json')), format: PROJECT_FORMAT + 1, colour_science: 'aces' }, null, 2);
    const { id, dir } = await projectOnDisk('Future Lighthouse', { manifest: newer, canvas: await fixture('canvas/v1.json') });
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'FORMAT_TOO_NEW', kind: 'project.json', format: PROJECT_FORMAT + 1, supported: PROJECT_FORMAT });
    expect(await readFile(join(dir, MANIFEST_FILE), 'utf8')).toBe(newer);
  });

  it('refuses a canvas from a newer studio with FORMAT_TOO_NEW', async () => {
    const newer = JSON.stringify({ ...JSON.parse(await fixture('canvas/v1.json')), format: CANVAS_FORMAT + 1 });
    const { id } = await projectOnDisk('Future Canvas', { manifest: await fixture('project/v1.json'), canvas: newer });
    const res = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'FORMAT_TOO_NEW', kind: 'main_canvas.json', format: CANVAS_FORMAT + 1 });
  });
});
