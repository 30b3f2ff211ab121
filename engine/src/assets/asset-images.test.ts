import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { projectWithShot } from '../testing/project-fixture.ts';
import { buildGenerationRequest } from '../jobs/generation-request.ts';
import { attachAssetImages } from './asset-images.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 1 })));
afterAll(() => studio?.close());

describe("a library asset's image wired into a Shot's image socket", () => {
  it("is copied into the project (LFS, committed, once) and named as the shot's input", async () => {
    const { body: asset } = await createAsset(studio.base, { name: 'Mara', kind: 'character', trigger_word: 'mara' });
    const bytes = await Promise.all([referenceImage(3), referenceImage(4)]);
    const upload = await uploadImages(
      studio.base,
      asset.id,
      bytes.map((b, i) => ({ name: `mara_${i}.png`, bytes: b })),
    );
    const chosen = upload.body.asset.images[1] as { file: string; sha256: string };

    // i2v-ltx (its image input is required; it needs a GPU, so the job is built and prepared here, not run).
    const id = await projectWithShot(studio.base, { name: 'Mara Turns', pipelineId: 'i2v-ltx', prompt: 'she turns', extra: { taskType: 'image-to-video' } });
    const room = await studio.ctx.rooms.get(id);
    const graph = room.graph();
    graph.nodes.push({
      id: 'mara',
      type: 'asset',
      position: { x: -300, y: 200 },
      data: { name: 'Mara', kind: 'character', assetId: asset.id, image: chosen.file, preview: null },
    });
    graph.edges.push({ id: 'e-image', source: 'mara', sourceHandle: 'image', target: 'shot-1', targetHandle: 'image' });
    const prepare = () =>
      attachAssetImages({
        data: buildGenerationRequest({
          projectId: id,
          graph,
          manifest: room.projectManifest,
          nodeId: 'shot-1',
          catalogue: studio.ctx.catalogue,
          pickPipeline: () => null,
        }),
        library: studio.ctx.assets!.library,
        queue: studio.ctx.queue,
        projectDir: join(studio.home, 'Projects', id),
      });

    const dir = join(studio.home, 'Projects', id);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    const commitsBefore = Number(git('rev-list', '--count', 'HEAD'));
    const target = `01_Assets/Generative_Assets/${asset.id}/${chosen.file}`;
    expect((await prepare()).inputs).toEqual({ image: target });
    expect((await readFile(join(dir, target))).equals(bytes[1]!)).toBe(true);
    expect(git('lfs', 'ls-files', '--name-only')).toContain(target);
    expect(git('log', '-1', '--format=%s').trim()).toBe('Asset Mara: image mara_1.png added to the project');
    const snapshot = JSON.parse(await readFile(join(dir, `01_Assets/Generative_Assets/${asset.id}/asset.json`), 'utf8'));
    expect(snapshot.images.map((i: { sha256: string }) => i.sha256)).toContain(chosen.sha256);
    expect(git('status', '--porcelain')).toBe('');

    // A second generation uses the copy already there: no second commit.
    await prepare();
    expect(Number(git('rev-list', '--count', 'HEAD'))).toBe(commitsBefore + 1);

    // An image the library no longer has is refused, naming the asset.
    await fetch(`${studio.base}/api/v1/assets/${asset.id}/images/${upload.body.asset.images[0].id}`, { method: 'DELETE' });
    graph.nodes.find((n) => n.id === 'mara')!.data.image = upload.body.asset.images[0].file;
    await expect(prepare()).rejects.toThrow(/Mara has no image .* any more/);
  }, 120_000);
});
