// A library asset's image wired into a Shot's image socket: copied into the project once the
// generation is accepted (never for a refused one), and made into a real take by the CPU
// image-to-video pipeline on both runner backends (real Redis, git, git-lfs, ffmpeg, dockerd).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { dockerForTests } from '../testing/docker-env.ts';
import { jobApp } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { DockerBackend } from '../runner/docker-backend.ts';
import { buildGenerationRequest } from '../jobs/generation-request.ts';
import { prepareAssetInputs } from './asset-inputs.ts';

type Studio = Awaited<ReturnType<typeof jobApp>>;

/** An asset in the Library with two distinct images; returns it and the image the shots use. */
async function assetWithImages(studio: Studio, name: string, trigger: string) {
  const { body: asset } = await createAsset(studio.base, { name, kind: 'character', trigger_word: trigger });
  const bytes = await Promise.all([referenceImage(3), referenceImage(4)]);
  const upload = await uploadImages(
    studio.base,
    asset.id,
    bytes.map((b, i) => ({ name: `${trigger}_${i}.png`, bytes: b })),
  );
  expect(upload.status).toBe(201);
  return { asset, upload, chosen: upload.body.asset.images[1] as { id: string; file: string; sha256: string }, bytes };
}

/** A project whose shot runs `pipelineId`, fed on its `socket` by an Asset node giving the library image. */
async function shotFedBy(studio: Studio, name: string, pipelineId: string, assetId: string, image: string, socket = 'image') {
  const id = await projectWithShot(studio.base, { name, pipelineId, prompt: 'she turns to the sea', extra: { taskType: 'image-to-video', duration: 1 } });
  const room = await studio.ctx.rooms.get(id);
  const graph = room.graph();
  const res = await fetch(`${studio.base}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      version: (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()).version,
      graph: {
        ...graph,
        nodes: [
          ...graph.nodes,
          { id: 'mara', type: 'asset', position: { x: -300, y: 200 }, data: { name: 'Mara', kind: 'character', assetId, image, preview: null } },
        ],
        edges: [...graph.edges, { id: 'e-image', source: 'mara', sourceHandle: 'image', target: 'shot-1', targetHandle: socket }],
      },
    }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const dir = join(studio.home, 'Projects', id);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  return { id, dir, git };
}

const submit = (studio: Studio, projectId: string) =>
  fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, node_id: 'shot-1' }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

async function setBudget(studio: Studio, id: string, budget: number | null) {
  const project = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as { version: number };
  const res = await fetch(`${studio.base}/api/v1/projects/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: project.version, budget }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** A picture or a video's frame as 32x18 grey levels, the picture cropped to 16:9 as the pipeline crops it. */
function thumb(file: string, frame = 0): Buffer {
  const vf = `select=eq(n\\,${frame}),scale=320:180:force_original_aspect_ratio=increase,crop=320:180,scale=32:18:flags=area,format=gray`;
  return execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-']);
}
const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

describe("a library asset's image wired into a Shot's image socket (process backend)", () => {
  let studio: Studio;
  beforeAll(async () => (studio = await jobApp({ concurrency: 1 })));
  afterAll(() => studio?.close());

  it('is planned while the request is prepared and copied into the project (LFS, committed) only by the commit, once', async () => {
    const { asset, upload, chosen, bytes } = await assetWithImages(studio, 'Mara', 'mara');
    // i2v-ltx (its image input is required; it needs a GPU, so the job is built and prepared here, not run).
    const { id, dir, git } = await shotFedBy(studio, 'Mara Turns', 'i2v-ltx', asset.id, chosen.file);
    const room = await studio.ctx.rooms.get(id);
    const prepare = () =>
      prepareAssetInputs({
        data: buildGenerationRequest({
          projectId: id,
          graph: room.graph(),
          manifest: room.projectManifest,
          nodeId: 'shot-1',
          catalogue: studio.ctx.catalogue,
          pickPipeline: () => null,
        }),
        graph: room.graph(),
        library: studio.ctx.assets!.library,
        catalogue: studio.ctx.catalogue,
        queue: studio.ctx.queue,
        projectDir: dir,
      });

    const head = git('rev-parse', 'HEAD');
    const target = `01_Assets/Generative_Assets/${asset.id}/${chosen.file}`;
    const prepared = await prepare();
    expect(prepared.data.inputs).toEqual({ image: target });
    expect(prepared.data.params).toMatchObject({ input_image_asset: asset.id, input_image_from: 'asset-image', input_image_kind: 'image' });
    // Nothing is written before the commit.
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(join(dir, target))).toBe(false);

    await prepared.commit();
    expect((await readFile(join(dir, target))).equals(bytes[1]!)).toBe(true);
    expect(git('lfs', 'ls-files', '--name-only')).toContain(target);
    expect(git('log', '-1', '--format=%s')).toBe('Asset Mara: image mara_1.png added to the project');
    const snapshot = JSON.parse(await readFile(join(dir, `01_Assets/Generative_Assets/${asset.id}/asset.json`), 'utf8'));
    expect(snapshot.images.map((i: { sha256: string }) => i.sha256)).toContain(chosen.sha256);
    expect(git('status', '--porcelain')).toBe('');

    // A second generation uses the copy already there: no second commit.
    const again = await prepare();
    await again.commit();
    expect(Number(git('rev-list', '--count', `${head}..HEAD`))).toBe(1);

    // An image the library no longer has is refused while preparing, naming the asset.
    await fetch(`${studio.base}/api/v1/assets/${asset.id}/images/${upload.body.asset.images[0].id}`, { method: 'DELETE' });
    const graph = room.graph();
    graph.nodes.find((n) => n.id === 'mara')!.data.image = upload.body.asset.images[0].file;
    await expect(
      prepareAssetInputs({
        data: buildGenerationRequest({
          projectId: id,
          graph,
          manifest: room.projectManifest,
          nodeId: 'shot-1',
          catalogue: studio.ctx.catalogue,
          pickPipeline: () => null,
        }),
        graph,
        library: studio.ctx.assets!.library,
        catalogue: studio.ctx.catalogue,
        queue: studio.ctx.queue,
        projectDir: dir,
      }),
    ).rejects.toThrow(/Mara has no image .* any more/);
  }, 120_000);

  it('a generation refused after preparing (503 no capable worker, 402 over budget) commits nothing: HEAD and the tree are unchanged', async () => {
    const { asset, chosen } = await assetWithImages(studio, 'Noor', 'noor');
    const target = `01_Assets/Generative_Assets/${asset.id}/${chosen.file}`;

    // A GPU pipeline and no GPU worker: 503 once the request (with the asset's image) was prepared.
    const gpu = await shotFedBy(studio, 'Noor On A GPU', 'i2v-ltx', asset.id, chosen.file);
    const gpuHead = gpu.git('rev-parse', 'HEAD');
    const noWorker = await submit(studio, gpu.id);
    expect(noWorker.status).toBe(503);
    expect(noWorker.body.code).toBe('NO_CAPABLE_WORKER');
    expect(gpu.git('rev-parse', 'HEAD')).toBe(gpuHead);
    expect(existsSync(join(gpu.dir, target))).toBe(false);

    // A CPU pipeline over the project's budget: 402 after dispatch, before anything is queued.
    const cpu = await shotFedBy(studio, 'Noor On A Budget', 'i2v-kenburns-ffmpeg', asset.id, chosen.file);
    await setBudget(studio, cpu.id, 0);
    const cpuHead = cpu.git('rev-parse', 'HEAD');
    const over = await submit(studio, cpu.id);
    expect(over.status).toBe(402);
    expect(over.body.code).toBe('BUDGET_EXCEEDED');
    expect(cpu.git('rev-parse', 'HEAD')).toBe(cpuHead);
    expect(existsSync(join(cpu.dir, target))).toBe(false);
    expect(cpu.git('status', '--porcelain', '--', '01_Assets')).toBe('');

    // Accepted, it commits the image (once) and runs.
    await setBudget(studio, cpu.id, null);
    const status = await waitForTask(studio.base, await generate(studio.base, cpu.id), ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(status.status, JSON.stringify(status)).toBe('succeeded');
    expect(cpu.git('log', '--format=%s', '--', target).split('\n')).toEqual(['Asset Noor: image noor_1.png added to the project']);
  }, 180_000);
});

let docker: { ready: true } | { ready: false; reason: string };
beforeAll(async () => {
  docker = await dockerForTests(['i2v-kenburns-ffmpeg']);
}, 900_000);

for (const backend of ['process', 'docker'] as const) {
  describe(`an Asset node's image through i2v-kenburns-ffmpeg makes a real take (${backend} backend)`, () => {
    let studio: Studio;
    beforeAll(async () => {
      if (backend === 'docker' && !docker.ready) return;
      studio = await jobApp(backend === 'docker' ? { backends: [new DockerBackend()], concurrency: 1 } : { concurrency: 1 });
    });
    afterAll(() => studio?.close());

    it("whose first frame is the asset's image, and whose sidecar names the input with its sha256 and kind", async (ctx) => {
      if (backend === 'docker' && !docker.ready) return ctx.skip();
      const { asset, chosen } = await assetWithImages(studio, 'Ines', 'ines');
      const { id, dir } = await shotFedBy(studio, `Ines ${backend}`, 'i2v-kenburns-ffmpeg', asset.id, chosen.file);
      const status = await waitForTask(studio.base, await generate(studio.base, id), ['succeeded', 'failed', 'cancelled'], 180_000);
      expect(status.status, JSON.stringify(status)).toBe('succeeded');
      const take = (status.result as { take: string }).take;
      expect(take).toMatch(/\.mp4$/);
      const sidecar = JSON.parse(await readFile(join(dir, take.replace(/\.mp4$/, '.json')), 'utf8'));
      const input = `01_Assets/Generative_Assets/${asset.id}/${chosen.file}`;
      const sha256 = createHash('sha256')
        .update(await readFile(join(dir, input)))
        .digest('hex');
      expect(sidecar).toMatchObject({
        pipeline: 'i2v-kenburns-ffmpeg',
        task_type: 'image-to-video',
        backend,
        inputs: { image: input },
        input_sha256: { image: sha256 },
      });
      expect(sidecar.params).toMatchObject({
        input_image_socket: 'image',
        input_image_from: 'asset-image',
        input_image_kind: 'image',
        input_image_asset: asset.id,
      });
      if (backend === 'docker') expect(sidecar.image_digest).toMatch(/^sha256:/);
      // Grey levels 0-255: the first frame is the picture within encoding loss; a different image of the asset is not.
      const first = thumb(join(dir, take));
      expect(meanDifference(first, thumb(join(dir, input)))).toBeLessThan(8);
      const other = join(dir, '..', `other-${backend}.png`);
      await import('node:fs/promises').then((fs) => referenceImage(9).then((b) => fs.writeFile(other, b)));
      expect(meanDifference(first, thumb(other))).toBeGreaterThan(20);
    }, 240_000);
  });
}
