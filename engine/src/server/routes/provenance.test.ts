import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TakeProvenance } from '@studio/node-schemas';
import { hostilePaths } from '../../testing/hardening/path-corpus.ts';
import { testApp } from '../../testing/temp-workspace.ts';
import type { EngineContext } from '../context.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let id: string;
let dir: string;

const SHOT = '03_Renders/SCENE_01/SHOT_010';
const shotTake = `${SHOT}/SHOT-010_v01_take01.png`;
const srTake = `${SHOT}/SHOT-010_SR_v01_take01.png`;
const asset = 'ast-abcdefghij';
const assetImage = `01_Assets/Generative_Assets/${asset}/images/ref_1.png`;
const lora = '01_Assets/AI_Models/MARA_v02.safetensors';
const media = '01_Assets/Source_Media/harbour.mp4';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function put(rel: string, content: string) {
  await mkdir(join(dir, rel, '..'), { recursive: true });
  await writeFile(join(dir, rel), content);
}
const sidecar = (take: string, fields: Record<string, unknown>) => put(take.replace(/\.[a-z0-9]+$/, '.json'), JSON.stringify({ format: 1, take, ...fields }));

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp());
  id = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Provenance' } })).json().id;
  dir = join(ctx.workspace.projectsDir, id);
  await put(assetImage, 'reference image');
  await put(`01_Assets/Generative_Assets/${asset}/asset.json`, JSON.stringify({ id: asset, name: 'Mara' }));
  await put(lora, 'lora weights');
  await put('01_Assets/AI_Models/MARA_v02.json', JSON.stringify({ asset: { id: asset, name: 'Mara' }, version: 2 }));
  await put(media, 'imported video');
  await put(shotTake, 'shot take');
  await sidecar(shotTake, {
    version: 1,
    number: 1,
    task_id: 'gen-shot',
    node_id: 'shot-1',
    pipeline: 'draft-image',
    task_type: 'generate-image',
    image_digest: 'sha256:1234',
    backend: 'docker',
    quality: 'low',
    fallback_from: { quality: 'standard', pipelineId: 'flux-dev', reason: 'no worker with 24 GB' },
    prompt: 'Mara at the harbour',
    negative_prompt: 'blurry',
    params: { steps: 4, lora_strength: 0.8 },
    seed: 42,
    size: { width: 1280, height: 720, fps: 24, duration: 4 },
    inputs: { image: assetImage, lora, motion: media },
    worker: 'worker-a',
    timings: { requested_at: '2026-01-01T00:00:00Z', started_at: '2026-01-01T00:00:01Z', finished_at: '2026-01-01T00:00:03Z', run_ms: 2000 },
  });
  await put(srTake, 'sr take');
  await sidecar(srTake, { task_id: 'gen-sr', node_id: 'sr-1', pipeline: 'sr-draft', params: { scale: 2 }, seed: 7, inputs: { input: shotTake } });
  await put(
    '04_Project_Files/Ledger/ledger.jsonl',
    [
      JSON.stringify({ format: 1, task_id: 'gen-sr', credits: 1.5 }),
      'not json gen-sr',
      JSON.stringify({ format: 1, task_id: 'gen-other', credits: 9 }),
      JSON.stringify({ format: 1, task_id: 'gen-sr', credits: 0.25 }),
    ].join('\n') + '\n',
  );
  // A chain longer than the lineage follows: each take made from the one before.
  for (let n = 1; n <= 8; n++) {
    const take = `03_Renders/SCENE_02/SHOT_020/SHOT-020_v01_take${String(n).padStart(2, '0')}.png`;
    await put(take, `chain ${n}`);
    await sidecar(take, {
      task_id: `chain-${n}`,
      pipeline: 'edit',
      inputs: n > 1 ? { image: `03_Renders/SCENE_02/SHOT_020/SHOT-020_v01_take${String(n - 1).padStart(2, '0')}.png` } : {},
    });
  }
  // A take without its sidecar, and a sidecar that is a link out of the project.
  await put(`${SHOT}/SHOT-010_v01_take02.png`, 'no sidecar');
  await put(`${SHOT}/SHOT-010_v01_take03.png`, 'linked sidecar');
  await symlink('/etc/passwd', join(dir, `${SHOT}/SHOT-010_v01_take03.json`));
});
afterAll(() => cleanup());

const get = (path: string) => app.inject({ method: 'GET', url: `/api/v1/projects/${id}/takes/${path}` });

describe('GET /api/v1/projects/:id/takes/<path>/provenance', () => {
  it("answers the sidecar's provenance, each input with its content hash and what it is", async () => {
    const res = await get(`${shotTake}/provenance`);
    expect(res.statusCode).toBe(200);
    const body = TakeProvenance.parse(res.json());
    expect(body).toMatchObject({
      take: shotTake,
      label: 'SCENE_01 · SHOT_010 · v01 · take 01',
      pipeline: 'draft-image',
      image_digest: 'sha256:1234',
      quality: 'low',
      fallback_from: { quality: 'standard', pipelineId: 'flux-dev' },
      prompt: 'Mara at the harbour',
      negative_prompt: 'blurry',
      seed: 42,
      params: { steps: 4, lora_strength: 0.8 },
      worker: 'worker-a',
      timings: { run_ms: 2000 },
      cost: null,
    });
    expect(body.inputs).toEqual([
      { socket: 'image', path: assetImage, sha256: sha('reference image'), kind: 'asset_image' },
      { socket: 'lora', path: lora, sha256: sha('lora weights'), kind: 'lora' },
      { socket: 'motion', path: media, sha256: sha('imported video'), kind: 'media' },
    ]);
    const byPath = new Map(body.lineage.nodes.map((n) => [n.path, n]));
    expect(byPath.get(lora)).toMatchObject({ kind: 'lora', label: 'Mara v02 (LoRA)', asset: { id: asset, name: 'Mara', version: 'MARA_v02' } });
    expect(byPath.get(assetImage)).toMatchObject({ kind: 'asset_image', label: 'Mara image', asset: { id: asset, name: 'Mara' } });
    expect(byPath.get(media)).toMatchObject({ kind: 'media', label: 'harbour.mp4', exists: true });
  });

  it('traces an SR take back through the shot take it upscaled to the asset versions, with the ledger cost of its task', async () => {
    const body = TakeProvenance.parse((await get(`${srTake}/provenance`)).json());
    expect(body.label).toBe('SCENE_01 · SHOT_010 Super resolution · v01 · take 01');
    expect(body.cost).toEqual({ credits: 1.75, entries: 2 });
    const [root, ...rest] = body.lineage.nodes;
    expect(root).toMatchObject({ path: srTake, kind: 'take', inputs: [{ socket: 'input', path: shotTake }] });
    const shot = rest.find((n) => n.path === shotTake)!;
    expect(shot).toMatchObject({ kind: 'take', pipeline: 'draft-image', seed: 42, label: 'SCENE_01 · SHOT_010 · v01 · take 01', sha256: sha('shot take') });
    expect(shot.inputs.map((i) => i.path)).toEqual([assetImage, lora, media]);
    expect(rest.map((n) => n.path).sort()).toEqual([assetImage, lora, media, shotTake].sort());
    expect(body.lineage.truncated).toBe(false);
  });

  it('follows a long chain of takes only a few levels back, and says where it stopped', async () => {
    const body = TakeProvenance.parse((await get('03_Renders/SCENE_02/SHOT_020/SHOT-020_v01_take08.png/provenance')).json());
    expect(body.lineage.truncated).toBe(true);
    expect(body.lineage.nodes).toHaveLength(body.lineage.max_depth + 1);
    expect(body.lineage.nodes.at(-1)).toMatchObject({ truncated: true, inputs: [] });
    expect(body.lineage.nodes.map((n) => n.path.slice(-6, -4))).toEqual(['08', '07', '06', '05', '04']);
  });

  it('a take without a sidecar, or with one that is a link, is a 404 that names the sidecar', async () => {
    for (const n of ['02', '03']) {
      const res = await get(`${SHOT}/SHOT-010_v01_take${n}.png/provenance`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'PROVENANCE_NOT_FOUND', sidecar: `${SHOT}/SHOT-010_v01_take${n}.json` });
      expect(res.body).not.toContain('root:');
    }
    expect((await get(`${SHOT}/SHOT-010_v09_take99.png/provenance`)).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/v1/projects/no-such-project/takes/${shotTake}/provenance` })).json().code).toBe('PROJECT_NOT_FOUND');
  });

  it('refuses paths that are not takes with a 400, never reading outside the render folder, never a 5xx', async () => {
    // Dot segments the URL parser resolves before routing never reach the route at all: 404.
    for (const path of [
      '../project.json',
      `${SHOT}/../../../project.json`,
      `${SHOT}/SHOT-010_v01_take01.png/../../../../etc`,
      `${SHOT}/%2e%2e/%2e%2e/x_v01_take01.png`,
      `${SHOT}/%252e%252e/x_v01_take01.png`,
    ]) {
      const res = await get(`${path}/provenance`);
      expect([400, 404], path).toContain(res.statusCode);
      expect(res.body, path).not.toContain('"format"');
    }
    for (const path of ['/etc/passwd', '01_Assets/AI_Models/MARA_v02.json', lora, `${SHOT}/SHOT-010_v01_take01.json`, `${shotTake}/secrets`]) {
      const res = await get(`${path}/provenance`);
      expect(res.statusCode, path).toBe(400);
      expect(res.json().code, path).toBe('INVALID_REQUEST');
    }
    for (const path of [shotTake, `${shotTake}/secrets`]) expect((await get(path)).statusCode, path).toBe(400);
    let ok = 0;
    for (const path of hostilePaths()) {
      const res = await get(`${path}/provenance`);
      expect(res.statusCode, path).toBeLessThan(500);
      expect(res.body, path).not.toContain('root:');
      if (res.statusCode === 200) ok++;
    }
    expect(ok).toBe(0);
  });
});

describe('GET /api/v1/projects/:id/takes/<path>/thumbnail', () => {
  it('sends a small JPEG of an image take, made once; the image itself when ffmpeg cannot read it; 404 for a take that is not there', async () => {
    const picture = `${SHOT}/SHOT-010_v03_take05.png`;
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=1280x720', '-frames:v', '1', join(dir, picture)]);
    const small = await get(`${picture}/thumbnail`);
    expect(small.statusCode).toBe(302);
    expect(small.headers.location).toBe(`/api/v1/projects/${id}/files/05_Cache/thumbnails/03_Renders/SCENE_01/SHOT_010/SHOT-010_v03_take05.jpg`);
    const jpeg = await app.inject({ method: 'GET', url: String(small.headers.location) });
    expect(jpeg.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpeg.rawPayload.length).toBeLessThan((await stat(join(dir, picture))).size);

    const res = await get(`${shotTake}/thumbnail`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/api/v1/projects/${id}/files/${shotTake.split('/').map(encodeURIComponent).join('/')}`);
    expect((await get(`${SHOT}/SHOT-010_v05_take50.png/thumbnail`)).statusCode).toBe(404);
    expect((await get(`${lora}/thumbnail`)).statusCode).toBe(400);
  });

  it('makes a frame of a video take once (ffmpeg) and sends it; an audio take has none', async () => {
    const video = `${SHOT}/SHOT-010_v02_take04.mp4`;
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=24:duration=1', '-pix_fmt', 'yuv420p', join(dir, video)]);
    const res = await get(`${video}/thumbnail`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/api/v1/projects/${id}/files/05_Cache/thumbnails/03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take04.jpg`);
    const jpeg = await app.inject({ method: 'GET', url: String(res.headers.location) });
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    const made = (await stat(join(dir, '05_Cache/thumbnails/03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take04.jpg'))).mtimeMs;
    expect((await get(`${video}/thumbnail`)).statusCode).toBe(302);
    expect((await stat(join(dir, '05_Cache/thumbnails/03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take04.jpg'))).mtimeMs).toBe(made);
    await put(`${SHOT}/SHOT-010_AUDIO_v01_take01.wav`, 'RIFF');
    expect((await get(`${SHOT}/SHOT-010_AUDIO_v01_take01.wav/thumbnail`)).json()).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
