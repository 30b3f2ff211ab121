import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBody, ErrorCode, HealthReport, ProjectAnswer, ProjectDetail, ProjectHistory, ProjectSummary, SavedGraph } from '@studio/node-schemas';
import { testApp } from '../testing/temp-workspace.ts';
import type { EngineContext } from './context.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ app, ctx, cleanup } = await testApp()));
afterAll(() => cleanup());

const json = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => app.inject({ method, url, payload: payload as object | undefined });

async function newProject(name = 'Night Train') {
  const res = await json('POST', '/api/v1/projects', { name, description: 'noir' });
  expect(res.statusCode).toBe(201);
  return ProjectAnswer.parse(res.json());
}

const commitCount = (id: string) =>
  Number(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: join(ctx.workspace.projectsDir, id), encoding: 'utf8' }));

const shotAndPipeline = {
  nodes: [
    { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'rain on glass' } },
    { id: 'pipe-1', type: 'pipeline', position: { x: -250, y: 0 }, data: { pipelineId: 'draft-image' } },
  ],
  edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
};

describe('projects API', () => {
  it('creates, lists and reads a project', async () => {
    const created = await newProject();
    expect(created).toMatchObject({ id: 'night-train', name: 'Night Train', version: 1 });
    const list = ProjectSummary.array().parse((await json('GET', '/api/v1/projects')).json());
    expect(list.find((p) => p.id === 'night-train')?.updated_at).toMatch(/^\d{4}-/);
    const got = await json('GET', '/api/v1/projects/night-train');
    expect(got.statusCode).toBe(200);
    expect(ProjectDetail.parse(got.json())).toMatchObject({
      id: 'night-train',
      uuid: created.uuid,
      title: 'Night Train',
      description: 'noir',
      version: 1,
      graph: { nodes: [], edges: [], version: 1 },
    });
  });

  it('saves a graph as a commit and refuses a stale version with the current one', async () => {
    const { id } = await newProject('Save Test');
    const before = commitCount(id);
    const saved = await json('PUT', `/api/v1/projects/${id}`, { graph: shotAndPipeline, version: 1 });
    expect(saved.statusCode).toBe(200);
    expect(SavedGraph.parse(saved.json())).toEqual({ status: 'success', version: 2 });
    expect(commitCount(id)).toBe(before + 1);
    const got = (await json('GET', `/api/v1/projects/${id}`)).json() as { graph: { nodes: unknown[] }; version: number };
    expect(got.version).toBe(2);
    expect(got.graph.nodes).toHaveLength(2);

    const stale = await json('PUT', `/api/v1/projects/${id}`, { graph: { nodes: [], edges: [] }, version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(ApiErrorBody.parse(stale.json())).toMatchObject({ code: ErrorCode.enum.STALE_VERSION, current_version: 2 });
    expect(commitCount(id)).toBe(before + 1);
  });

  it('refuses an invalid graph naming the node or edge, and writes nothing', async () => {
    const { id } = await newProject('Invalid Graph');
    const canvasPath = join(ctx.workspace.projectsDir, id, '02_Source_Creative/Canvases/main_canvas.json');
    const canvasBefore = await readFile(canvasPath, 'utf8');
    const before = commitCount(id);
    const cases: Array<[unknown, string]> = [
      [{ nodes: [{ id: 'z9', type: 'hologram', position: { x: 0, y: 0 }, data: {} }], edges: [] }, 'z9'],
      [{ ...shotAndPipeline, edges: [{ ...shotAndPipeline.edges[0], id: 'e-ghost', source: 'nobody' }] }, 'e-ghost'],
      [{ ...shotAndPipeline, edges: [{ id: 'e-bad', source: 'shot-1', sourceHandle: 'output', target: 'shot-1', targetHandle: 'pipeline' }] }, 'e-bad'],
      [
        {
          nodes: [...shotAndPipeline.nodes, { id: 'a1', type: 'audio', position: { x: 0, y: 0 }, data: {} }],
          edges: [{ id: 'e-aud', source: 'a1', sourceHandle: 'audio', target: 'shot-1', targetHandle: 'pipeline' }],
        },
        'e-aud',
      ],
    ];
    for (const [graph, culprit] of cases) {
      const res = await json('PUT', `/api/v1/projects/${id}`, { graph, version: 1 });
      expect(res.statusCode).toBe(400);
      const body = res.json() as { code: string; error: string; issues: Array<{ nodeId?: string; edgeId?: string }> };
      expect(body.code).toBe('INVALID_GRAPH');
      expect(body.error).toContain(culprit);
      expect(body.issues[0]!.nodeId ?? body.issues[0]!.edgeId).toBe(culprit);
    }
    expect(await readFile(canvasPath, 'utf8')).toBe(canvasBefore);
    expect(commitCount(id)).toBe(before);
  });

  it('lets exactly one of many concurrent PUTs with the same version win', async () => {
    const { id } = await newProject('Race');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        json('PUT', `/api/v1/projects/${id}`, {
          graph: { nodes: [{ ...shotAndPipeline.nodes[0], data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: `take ${i}` } }], edges: [] },
          version: 1,
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(11);
    const winner = results.findIndex((r) => r.statusCode === 200);
    const got = (await json('GET', `/api/v1/projects/${id}`)).json() as { graph: { nodes: Array<{ data: { prompt: string } }> }; version: number };
    expect(got.version).toBe(2);
    expect(got.graph.nodes[0]!.data.prompt).toBe(`take ${winner}`);
  });

  it('patches title, description, quality and aspect ratio under the version rule, committed', async () => {
    const { id } = await newProject('Patchable');
    const res = await json('PATCH', `/api/v1/projects/${id}`, { version: 1, title: 'Patched', quality: 'high', aspect_ratio: '9:16', description: 'new' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, title: 'Patched', description: 'new', version: 2, project_settings: { quality: 'high', aspect_ratio: '9:16' } });
    const history = ProjectHistory.parse((await json('GET', `/api/v1/projects/${id}/history`)).json());
    expect(history[0]!.message).toContain('quality standard -> high');
    expect(history[0]!.message).toContain('title "Patchable" -> "Patched"');
    expect(history[0]!.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(history.at(-1)!.message).toBe('Create project: Patchable');
    expect((await json('PATCH', `/api/v1/projects/${id}`, { version: 1, quality: 'low' })).statusCode).toBe(409);
    expect((await json('PATCH', `/api/v1/projects/${id}`, { version: 2, quality: 'ultra' })).statusCode).toBe(400);
    expect((await json('PATCH', `/api/v1/projects/${id}`, { version: 2, owner: 'root' })).statusCode).toBe(400);
  });

  it('answers hostile ids and bodies with clear errors', async () => {
    for (const url of ['/api/v1/projects/..%2F..%2Fetc', '/api/v1/projects/%2Fetc%2Fpasswd', '/api/v1/projects/NOPE', '/api/v1/projects/ghost']) {
      const res = await json('GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    }
    const bad = await app.inject({ method: 'POST', url: '/api/v1/projects', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(5000) }, { name: 'bell\u0007' }, {}]) {
      const refused = await json('POST', '/api/v1/projects', body);
      expect(refused.statusCode).toBe(400);
      expect(ApiErrorBody.parse(refused.json())).toMatchObject({ code: ErrorCode.enum.INVALID_REQUEST, field: 'name' });
    }
    const huge = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'big', description: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect((await json('PUT', '/api/v1/projects/ghost', { graph: { nodes: [], edges: [] }, version: 1 })).statusCode).toBe(404);
    expect((await json('PUT', '/api/v1/projects/night-train', { graph: { nodes: [], edges: [] }, version: 'one' })).statusCode).toBe(400);
  });

  it('serves node types and health', async () => {
    const types = (await json('GET', '/api/v1/node-types')).json() as Array<{
      type: string;
      inputs: Array<{ name: string; type: unknown; multiple: boolean }>;
    }>;
    expect(types.map((t) => t.type)).toHaveLength(9);
    expect(types.find((t) => t.type === 'shot')!.inputs[0]).toEqual({ name: 'pipeline', label: 'Pipeline', type: 'PipelineReference', multiple: false });
    const health = HealthReport.parse((await json('GET', '/api/v1/health')).json());
    expect(Object.keys(health.tools).sort()).toEqual(['docker', 'ffmpeg', 'git', 'git-lfs', 'redis']);
    expect(health.tools.git).toMatchObject({ present: true });
    expect(health.tools['git-lfs']!.version).toMatch(/^\d+\.\d+/);
  });
});
