import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_FORMAT, ProjectManifest, validateGraph, type Graph, type GraphNode } from '@studio/node-schemas';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { buildGenerationRequest, InputMismatchError, MissingInputError } from './generation-request.ts';

const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]);
const graph: Graph = {
  nodes: [
    {
      id: 'shot',
      type: 'shot',
      position: { x: 0, y: 0 },
      data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse at dusk', duration: 2, taskType: 'generate-video', activeTake: null },
    },
    { id: 'pipe', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'draft-video' } },
  ],
  edges: [{ id: 'e', source: 'pipe', sourceHandle: 'pipeline', target: 'shot', targetHandle: 'pipeline' }],
} as Graph;

function manifestAt(frameRate: string | undefined) {
  return ProjectManifest.parse({
    format: PROJECT_FORMAT,
    uuid: '4b6f3a9e-8a55-4d2c-9c43-2f1c1b0f7a11',
    title: 'Rates',
    canvas_path: '02_Source_Creative/Canvases/main_canvas.json',
    project_settings: { aspect_ratio: '16:9', quality: 'low', ...(frameRate ? { frame_rate: frameRate } : {}) },
    version: 1,
  });
}

function requestAt(frameRate: string | undefined) {
  return buildGenerationRequest({ projectId: 'rates', graph, manifest: manifestAt(frameRate), nodeId: 'shot', catalogue, pickPipeline: () => null });
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

describe("an Asset node wired into a Shot's image socket", () => {
  /** A shot on i2v-ltx (its `image` input is required) fed by an Asset node through its Image output. */
  function imageGraph(asset: Record<string, unknown>, sourceHandle = 'image'): Graph {
    return {
      nodes: [
        {
          id: 'shot',
          type: 'shot',
          position: { x: 0, y: 0 },
          data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'she turns to the sea', taskType: 'image-to-video', activeTake: null },
        },
        { id: 'pipe', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId: 'i2v-ltx' } },
        { id: 'kira', type: 'asset', position: { x: 0, y: 0 }, data: { name: 'Kira', kind: 'character', assetId: null, preview: null, ...asset } } as GraphNode,
      ],
      edges: [
        { id: 'e-pipe', source: 'pipe', sourceHandle: 'pipeline', target: 'shot', targetHandle: 'pipeline' },
        { id: 'e-image', source: 'kira', sourceHandle, target: 'shot', targetHandle: 'image' },
      ],
    } as Graph;
  }
  const request = (g: Graph) =>
    buildGenerationRequest({ projectId: 'p', graph: g, manifest: manifestAt('24'), nodeId: 'shot', catalogue, pickPipeline: () => null });

  it('is a legal connection from the Image output, and not from the AssetReference one', () => {
    expect(validateGraph(imageGraph({ assetId: 'ast-0123456789', image: 'images/00aa11bb22cc33dd.png' })).ok).toBe(true);
    const wrong = validateGraph(imageGraph({ assetId: 'ast-0123456789' }, 'asset'));
    expect(wrong.ok).toBe(false);
    expect(JSON.stringify(wrong)).toMatch(/AssetReference cannot connect to Image/);
  });

  it("passes the library image it names, as the project's own copy under 01_Assets/Generative_Assets", () => {
    const data = request(
      imageGraph({ assetId: 'ast-0123456789', image: 'images/00aa11bb22cc33dd.png', preview: '01_Assets/Source_Media/other_0123456789ab.png' }),
    );
    expect(data.inputs).toEqual({ image: '01_Assets/Generative_Assets/ast-0123456789/images/00aa11bb22cc33dd.png' });
  });

  it('passes the media dropped on it when it names no library image', () => {
    const data = request(imageGraph({ kind: 'image', preview: '01_Assets/Source_Media/beach_0123456789ab.png' }));
    expect(data.inputs.image).toBe('01_Assets/Source_Media/beach_0123456789ab.png');
  });

  it('refuses, naming the asset, when it has no image to give', () => {
    expect(() => request(imageGraph({ assetId: 'ast-0123456789' }))).toThrow(/Kira has no image yet: choose one of its images or drop an image on it/);
  });

  it('makes a different request for a different image (a new take, not the old one again)', () => {
    const a = request(imageGraph({ assetId: 'ast-0123456789', image: 'images/00aa11bb22cc33dd.png' }));
    const b = request(imageGraph({ assetId: 'ast-0123456789', image: 'images/ffee11bb22cc33dd.png' }));
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});

describe("a Shot's image sockets (source image, reference, target) feed the inputs their pipeline names", () => {
  const shotNode = (id: string, taskType: string, extra: Record<string, unknown> = {}): GraphNode =>
    ({
      id,
      type: 'shot',
      position: { x: 0, y: 0 },
      data: { scene: 'SCENE_01', shot: id === 'shot' ? 'SHOT_010' : 'SHOT_020', prompt: 'swap the face', taskType, activeTake: null, ...extra },
    }) as GraphNode;
  const asset = (id: string, data: Record<string, unknown>): GraphNode =>
    ({ id, type: 'asset', position: { x: 0, y: 0 }, data: { name: id, kind: 'character', assetId: null, preview: null, ...data } }) as GraphNode;
  const wire = (source: string, sourceHandle: string, targetHandle: string) => ({
    id: `e-${targetHandle}`,
    source,
    sourceHandle,
    target: 'shot',
    targetHandle,
  });
  function graphOn(pipelineId: string, taskType: string, extraNodes: GraphNode[], edges: ReturnType<typeof wire>[]): Graph {
    const graph = {
      nodes: [shotNode('shot', taskType), { id: 'pipe', type: 'pipeline', position: { x: 0, y: 0 }, data: { pipelineId } }, ...extraNodes],
      edges: [{ id: 'e-pipe', source: 'pipe', sourceHandle: 'pipeline', target: 'shot', targetHandle: 'pipeline' }, ...edges],
    } as Graph;
    expect(validateGraph(graph).ok).toBe(true);
    return graph;
  }
  const request = (g: Graph) =>
    buildGenerationRequest({ projectId: 'p', graph: g, manifest: manifestAt('24'), nodeId: 'shot', catalogue, pickPipeline: () => null });
  const libraryImage = (id: string, image: string) => asset(id, { assetId: 'ast-0123456789', image });
  const face = '01_Assets/Source_Media/face_0123456789ab.jpg';
  const scene = '01_Assets/Generative_Assets/ast-0123456789/images/00aa11bb22cc33dd.png';

  it('face swap: the Target image socket feeds `image`, the Source image socket feeds `face`, and provenance says from where', () => {
    const data = request(
      graphOn(
        'faceswap-reactor',
        'face-swap',
        [libraryImage('crowd', 'images/00aa11bb22cc33dd.png'), asset('mara', { kind: 'image', preview: face })],
        [wire('crowd', 'image', 'target'), wire('mara', 'image', 'image')],
      ),
    );
    expect(data.inputs).toEqual({ image: scene, face });
    expect(data.params).toMatchObject({
      input_image_socket: 'target',
      input_image_from: 'asset-image',
      input_image_kind: 'image',
      input_face_socket: 'image',
      input_face_from: 'asset-media',
      input_face_kind: 'image',
    });
  });

  it('refuses an unwired required input with MissingInputError, naming the input and the socket to wire', () => {
    const graph = graphOn('faceswap-reactor', 'face-swap', [libraryImage('crowd', 'images/00aa11bb22cc33dd.png')], [wire('crowd', 'image', 'target')]);
    let error: unknown;
    try {
      request(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingInputError);
    expect((error as MissingInputError).message).toBe(
      "Face swap, SFW-gated (ReActor / inswapper, GPU) needs Source face: connect an asset's image, a take or media to the Source image socket of SCENE_01/SHOT_010",
    );
    expect((error as MissingInputError).data).toEqual({ node_id: 'shot', input: 'face', socket: 'image' });
    expect((error as MissingInputError).code).toBe('MISSING_INPUT');
    expect((error as MissingInputError).status).toBe(400);
  });

  it('identity image: an image on the Source image socket does not stand in for the Reference', () => {
    const graph = graphOn('ip-dreamo', 'identity-image', [libraryImage('mara', 'images/00aa11bb22cc33dd.png')], [wire('mara', 'image', 'image')]);
    expect(() => request(graph)).toThrow(/needs Reference: connect .* to the Reference image socket/);
    graph.edges[1]!.targetHandle = 'reference';
    expect(request(graph).inputs).toEqual({ image: scene });
  });

  it("takes another Shot's image take, and refuses its video take for an image input", () => {
    const still = shotNode('before', 'generate-image', { activeTake: '03_Renders/SCENE_01/SHOT_020/SHOT_020_v001_t001.png' });
    const graph = graphOn('i2v-ltx', 'image-to-video', [still], [wire('before', 'output', 'image')]);
    const data = request(graph);
    expect(data.inputs.image).toBe('03_Renders/SCENE_01/SHOT_020/SHOT_020_v001_t001.png');
    expect(data.params).toMatchObject({ input_image_from: 'take', input_image_kind: 'image' });
    still.data.activeTake = '03_Renders/SCENE_01/SHOT_020/SHOT_020_v001_t001.mp4';
    expect(() => request(graph)).toThrow(InputMismatchError);
    expect(() => request(graph)).toThrow(expect.objectContaining({ code: 'INPUT_MISMATCH', data: { node_id: 'shot', input: 'image', socket: 'image' } }));
    expect(() => request(graph)).toThrow('SCENE_01/SHOT_020 passes a video, and Source image takes an image');
  });
});
