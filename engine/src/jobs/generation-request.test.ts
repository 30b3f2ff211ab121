import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectManifest, type Graph } from '@studio/node-schemas';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { buildGenerationRequest } from './generation-request.ts';

const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]);
const graph: Graph = {
  nodes: [
    { id: 'shot', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse at dusk', duration: 2, taskType: 'generate-video', activeTake: null } },
    { id: 'pipe', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
  ],
  edges: [{ id: 'e', source: 'pipe', sourceHandle: 'pipeline', target: 'shot', targetHandle: 'pipeline' }],
} as Graph;

function requestAt(frameRate: string | undefined) {
  const manifest = ProjectManifest.parse({
    uuid: '4b6f3a9e-8a55-4d2c-9c43-2f1c1b0f7a11',
    title: 'Rates',
    canvas_path: '02_Source_Creative/Canvases/main_canvas.json',
    project_settings: { aspect_ratio: '16:9', quality: 'low', ...(frameRate ? { frame_rate: frameRate } : {}) },
    version: 1,
  });
  return buildGenerationRequest({ projectId: 'rates', graph, manifest, nodeId: 'shot', catalogue, pickPipeline: () => null });
}

describe('a generation request', () => {
  it("asks for takes at the project's frame rate", () => {
    expect(requestAt('25').fps).toBe(25);
    expect(requestAt('60').fps).toBe(60);
  });

  it('gives the NTSC rates as n*1000/1001 exactly', () => {
    expect(requestAt('29.97').fps).toBe(30_000 / 1001);
    expect(requestAt('23.976').fps).toBe(24_000 / 1001);
  });

  it('is at 24 fps for a project made before projects had a rate', () => {
    expect(requestAt(undefined).fps).toBe(24);
  });
});
