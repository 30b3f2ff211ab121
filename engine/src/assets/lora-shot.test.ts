import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;

async function setBudget(id: string, budget: number | null) {
  const project = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as { version: number };
  const res = await fetch(`${studio.base}/api/v1/projects/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: project.version, budget }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}
beforeAll(async () => (studio = await jobApp({ concurrency: 2 })));
afterAll(() => studio?.close());

describe('an asset wired into a shot (draft LoRA through draft-image)', () => {
  it('passes the LoRA, its strength and trigger word: the same seed renders differently with it, identically without, and provenance names it', async () => {
    const { body: asset } = await createAsset(studio.base, { name: 'Kira', kind: 'character', trigger_word: 'kira' });
    await uploadImages(
      studio.base,
      asset.id,
      await Promise.all(Array.from({ length: 5 }, async (_, i) => ({ name: `k${i}.png`, bytes: await referenceImage(i) }))),
    );
    const train = await fetch(`${studio.base}/api/v1/assets/${asset.id}/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ base: 'draft', preset: 'cpu', params: { steps: 20 } }),
    });
    const { task_id } = (await train.json()) as { task_id: string };
    expect((await waitForTask(studio.base, task_id, ['succeeded', 'failed', 'cancelled'], 120_000)).status).toBe('succeeded');

    const id = await projectWithShot(studio.base, { name: 'Lora Shot', pipelineId: 'draft-image', prompt: 'portrait in the rain', extra: { seed: 7 } });
    const dir = join(studio.home, 'Projects', id);
    const take = async () => {
      const status = await waitForTask(studio.base, await generate(studio.base, id));
      expect(status.status).toBe('succeeded');
      const path = (status.result as { take: string }).take;
      return { path, bytes: await readFile(join(dir, path)), sidecar: JSON.parse(await readFile(join(dir, path.replace(/\.png$/, '.json')), 'utf8')) };
    };
    const plain = await take();

    const ws = await WsProbe.open(studio.base, id);
    await ws.next('server:full_sync');
    ws.send({
      type: 'client:graph_edit',
      clientClock: 1,
      edits: [
        { op: 'add_node', node: { id: 'asset-1', type: 'asset', position: { x: -300, y: 200 }, data: { name: 'Kira', kind: 'character', assetId: asset.id } } },
        { op: 'add_edge', edge: { id: 'e-asset', source: 'asset-1', sourceHandle: 'asset', target: 'shot-1', targetHandle: 'character' } },
      ],
    });
    await ws.next('server:ack');
    // Over the project's budget the generation is refused after its LoRA was planned: nothing is committed, nothing copied.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    await setBudget(id, 0);
    const head = git('rev-parse', 'HEAD');
    const refused = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: id, node_id: 'shot-1' }),
    });
    expect(refused.status).toBe(402);
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(join(dir, '01_Assets/AI_Models/KIRA_v01.safetensors'))).toBe(false);
    await setBudget(id, null);
    const withLora = await take();
    expect(withLora.bytes.equals(plain.bytes)).toBe(false);
    expect(withLora.sidecar.prompt).toBe('kira, portrait in the rain');
    expect(withLora.sidecar.inputs.lora).toBe('01_Assets/AI_Models/KIRA_v01.safetensors');
    expect(withLora.sidecar.params).toMatchObject({ lora_asset: asset.id, lora_version: 'KIRA_v01', lora_strength: 1, trigger_word: 'kira' });
    expect(withLora.sidecar.params.lora_sha256).toMatch(/^[0-9a-f]{64}$/);
    // The project holds the LoRA it used, through LFS: moving the project breaks nothing.
    expect(git('lfs', 'ls-files', '--name-only')).toContain('01_Assets/AI_Models/KIRA_v01.safetensors');
    expect(git('ls-files')).toContain(`01_Assets/Generative_Assets/${asset.id}/asset.json`);

    ws.send({ type: 'client:graph_edit', clientClock: 2, edits: [{ op: 'remove_edge', id: 'e-asset' }] });
    await ws.next('server:ack');
    const again = await take();
    expect(again.bytes.equals(plain.bytes)).toBe(true);
    ws.close();
  }, 240_000);

  it('ships one DraftNet: pipelines/_lib/draftnet.py, which the trainer and draft-image both import', async () => {
    expect(await readFile(join(REPO_ROOT, 'pipelines/_lib/draftnet.py'), 'utf8')).toContain('def lora_deltas(');
    for (const p of ['draft-lora-train', 'draft-image']) {
      expect(await readFile(join(REPO_ROOT, 'pipelines', p, 'entrypoint.py'), 'utf8')).toMatch(/^\s*import draftnet\b/m);
      await expect(readFile(join(REPO_ROOT, 'pipelines', p, 'draftnet.py'))).rejects.toThrow(/ENOENT/);
    }
  });
});
