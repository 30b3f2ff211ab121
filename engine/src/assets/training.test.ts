import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { waitForTask } from '../testing/project-fixture.ts';
import { readHeader } from './safetensors.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 2 })));
afterAll(() => studio?.close());

const libraryDir = () => join(studio.home, 'Library/Generative_Assets');
const git = (...args: string[]) => execFileSync('git', args, { cwd: libraryDir(), encoding: 'utf8' });

describe('the asset library and the CPU draft trainer (real Redis, git-lfs, PyTorch)', () => {
  it('creates a character, takes 8 images, trains a LoRA with progress, and commits version 1 with its header and provenance', async () => {
    const created = await createAsset(studio.base, { name: 'Kira Vale', kind: 'character', trigger_word: 'kiravale', description: 'the lead' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await createAsset(studio.base, { name: 'Other', kind: 'character', trigger_word: 'KIRAVALE' })).status).toBe(409);

    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => referenceImage(i)));
    const upload = await uploadImages(
      studio.base,
      id,
      images.map((bytes, i) => ({ name: `ref_${i}.png`, bytes })),
    );
    expect(upload.status).toBe(201);
    expect(upload.body.added).toHaveLength(8);
    expect(upload.body.near_duplicates).toEqual([]);
    // The same bytes again: kept once.
    const again = await uploadImages(studio.base, id, [{ name: 'copy.png', bytes: images[0]! }]);
    expect(again.body.added).toEqual([]);
    expect(again.body.existing).toHaveLength(1);
    expect(
      git('lfs', 'ls-files', '--name-only')
        .split('\n')
        .filter((l) => l.startsWith(`${id}/images/`)),
    ).toHaveLength(8);

    const train = await fetch(`${studio.base}/api/v1/assets/${id}/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ base: 'draft', preset: 'cpu', params: { steps: 24 } }),
    });
    expect(train.status).toBe(202);
    const { task_id } = (await train.json()) as { task_id: string };
    const done = await waitForTask(studio.base, task_id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(done, JSON.stringify(done).slice(0, 600)).toMatchObject({ status: 'succeeded', kind: 'training' });
    const detail = (done as unknown as { detail: { curve: Array<[number, number]>; samples: unknown[] } }).detail;
    expect(detail.curve).toHaveLength(24);
    expect(detail.curve.at(-1)![1]).toBeLessThan(detail.curve[0]![1]);
    expect(detail.samples.length).toBeGreaterThan(0);

    const asset = (await (await fetch(`${studio.base}/api/v1/assets/${id}`)).json()) as {
      versions: Array<{ name: string; path: string; sidecar: string; sha256: string }>;
    };
    expect(asset.versions.map((v) => v.name)).toEqual(['KIRA_VALE_v01']);
    const header = await readHeader(join(libraryDir(), id, asset.versions[0]!.path));
    expect(Object.keys(header.tensors)).toContain('lora_unet_middle_block_0_proj.lora_down.weight');
    expect(header.metadata).toMatchObject({
      ss_output_name: 'KIRA_VALE_v01',
      ss_network_dim: '4',
      ss_num_train_images: '8',
      ss_steps: '24',
      'modelspec.trigger_phrase': 'kiravale',
      'modelspec.sai_model_spec': '1.0.0',
    });
    expect(JSON.parse(header.metadata.ss_tag_frequency!)).toEqual({ '1_kiravale': { kiravale: 8 } });
    expect(header.metadata['modelspec.hash_sha256']).toBe(`0x${header.metadata.sshs_model_hash}`);
    const sidecar = JSON.parse(await readFile(join(libraryDir(), id, asset.versions[0]!.sidecar), 'utf8'));
    expect(sidecar).toMatchObject({ task_id, base: 'draft', preset: 'cpu', steps: 24, seed: 42 });
    expect(sidecar.dataset).toHaveLength(8);
    expect(sidecar.loss_curve).toHaveLength(24);
    expect(git('lfs', 'ls-files', '--name-only')).toContain(`${id}/versions/KIRA_VALE_v01.safetensors`);
    expect(git('log', '--format=%s', '-1')).toMatch(/^Asset Kira Vale: LoRA KIRA_VALE_v01 trained \(draft/);
    expect(git('status', '--porcelain')).toBe('');
  }, 180_000);

  it('refuses bad training requests before anything is queued', async () => {
    const { body } = await createAsset(studio.base, { name: 'Few', kind: 'style', trigger_word: 'fewstyle' });
    const post = (b: unknown) =>
      fetch(`${studio.base}/api/v1/assets/${body.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    expect((await post({ base: 'draft', preset: 'cpu' })).status).toBe(422);
    expect((await post({ base: 'draft', preset: '24gb' })).status).toBe(400);
    expect((await post({ base: 'nope', preset: 'cpu' })).status).toBe(400);
    expect((await post({ base: 'draft', preset: 'cpu', params: { steps: -1 } })).status).toBe(400);
    expect(
      (
        await fetch(`${studio.base}/api/v1/assets/ast-0000000000/train`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"base":"draft","preset":"cpu"}',
        })
      ).status,
    ).toBe(404);
  });
});
