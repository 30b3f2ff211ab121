// The CPU draft trainer on the docker backend, end to end: the run in its container (no network,
// the job folder mounted at /job), progress and checkpoints through the mounted folder, the LoRA
// version committed with the image digest in its provenance. Docker is required in CI (the image
// builds with scripts/build-pipeline-images); elsewhere its absence skips.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerBackend } from '../runner/docker-backend.ts';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { dockerForTests } from '../testing/docker-env.ts';
import { jobApp } from '../testing/job-app.ts';
import { waitForTask } from '../testing/project-fixture.ts';
import { readHeader } from './safetensors.ts';

let docker: { ready: true } | { ready: false; reason: string };
let studio: Awaited<ReturnType<typeof jobApp>> | undefined;
beforeAll(async () => {
  docker = await dockerForTests(['draft-lora-train']);
  if (docker.ready) studio = await jobApp({ backends: [new DockerBackend()], concurrency: 1 });
}, 900_000);
afterAll(() => studio?.close());

describe('LoRA training on the docker backend (real dockerd, PyTorch in the container)', () => {
  it('trains in the draft-lora-train container and commits version 1 naming the backend and image', async (ctx) => {
    if (!docker.ready || !studio) return ctx.skip();
    const { body } = await createAsset(studio.base, { name: 'Docked', kind: 'style', trigger_word: 'dockedstyle' });
    const id = body.id as string;
    const images = await Promise.all(Array.from({ length: 4 }, async (_, i) => ({ name: `d${i}.png`, bytes: await referenceImage(i + 21) })));
    expect((await uploadImages(studio.base, id, images)).status).toBe(201);
    const train = await fetch(`${studio.base}/api/v1/assets/${id}/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ base: 'draft', preset: 'cpu', params: { steps: 12 } }),
    });
    expect(train.status).toBe(202);
    const { task_id } = (await train.json()) as { task_id: string };
    const done = await waitForTask(studio.base, task_id, ['succeeded', 'failed', 'cancelled'], 180_000);
    expect(done.status, JSON.stringify(done).slice(0, 600)).toBe('succeeded');
    const detail = (done as unknown as { detail: { curve: Array<[number, number]>; samples: unknown[] } }).detail;
    expect(detail.curve.map((p) => p[0])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(detail.samples.length).toBeGreaterThan(0);

    const asset = (await (await fetch(`${studio.base}/api/v1/assets/${id}`)).json()) as { versions: Array<{ name: string; path: string; sidecar: string }> };
    expect(asset.versions.map((v) => v.name)).toEqual(['DOCKED_v01']);
    const dir = join(studio.home, 'Library/Generative_Assets', id);
    const sidecar = JSON.parse(await readFile(join(dir, asset.versions[0]!.sidecar), 'utf8'));
    expect(sidecar).toMatchObject({ task_id, backend: 'docker', pipeline: 'draft-lora-train', steps: 12 });
    expect(sidecar.image_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const header = await readHeader(join(dir, asset.versions[0]!.path));
    expect(header.metadata).toMatchObject({ ss_output_name: 'DOCKED_v01', ss_steps: '12', 'modelspec.trigger_phrase': 'dockedstyle' });
  }, 400_000);
});
