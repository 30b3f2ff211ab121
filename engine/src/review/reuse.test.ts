import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerAnswer } from '@studio/node-schemas';
import { jobApp } from '../testing/job-app.ts';
import { waitForTask } from '../testing/project-fixture.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 2 })));
afterAll(() => studio?.close());

const json = { 'content-type': 'application/json' };
const submit = (body: Record<string, unknown>) =>
  fetch(`${studio.base}/api/v1/tasks/generate_shot`, { method: 'POST', headers: json, body: JSON.stringify(body) }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as { task_id: string; deduplicated: boolean; reused?: boolean; take?: string; error?: string },
  }));
async function project(name: string, nodes: unknown[], edges: unknown[] = []) {
  const { id } = (await (await fetch(`${studio.base}/api/v1/projects`, { method: 'POST', headers: json, body: JSON.stringify({ name }) })).json()) as {
    id: string;
  };
  const res = await fetch(`${studio.base}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ graph: { nodes, edges }, version: 1 }),
  });
  if (!res.ok) throw new Error(await res.text());
  return id;
}
async function updateNode(id: string, nodeId: string, data: Record<string, unknown>) {
  const probe = await WsProbe.open(studio.base, id);
  await probe.next('server:full_sync');
  probe.send({ type: 'client:graph_edit', clientClock: 1, edits: [{ op: 'update_node', id: nodeId, changes: { data } }] });
  await probe.next('server:ack');
  probe.socket.close();
}
/** Runs a generation to its end and answers its take. */
async function run(id: string, nodeId: string, extra: Record<string, unknown> = {}) {
  const answer = await submit({ project_id: id, node_id: nodeId, ...extra });
  expect(answer.status, answer.body.error).toBe(202);
  expect(answer.body.reused).toBeUndefined();
  const status = await waitForTask(studio.base, answer.body.task_id);
  expect(status.status, status.error ?? '').toBe('succeeded');
  return status.result!.take;
}
const filesIn = async (id: string, folder: string) => (await readdir(join(studio.home, 'Projects', id, folder))).filter((f) => !f.endsWith('.json')).sort();
const graphNode = async (id: string, nodeId: string) =>
  (
    (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as { graph: { nodes: Array<{ id: string; data: Record<string, unknown> }> } }
  ).graph.nodes.find((n) => n.id === nodeId)!;
const ledger = async (id: string) => (await (await fetch(`${studio.base}/api/v1/projects/${id}/ledger`)).json()) as LedgerAnswer;

describe('do not redo what is done: the input-signature cache of post-processing nodes', () => {
  it('text-to-speech with the same text and voice reuses the take (says so, charges nothing); run again forces it; a new text runs', async () => {
    const id = await project('Reuse Speech', [
      { id: 'audio-1', type: 'audio', position: { x: 0, y: 0 }, data: { text: 'The lamp is lit.', voice: 'en', scene: 'SCENE_01', shot: 'SHOT_010' } },
    ]);
    const first = await run(id, 'audio-1');
    const folder = first.slice(0, first.lastIndexOf('/'));
    const sidecar = JSON.parse(await readFile(join(studio.home, 'Projects', id, first.replace(/\.wav$/, '.json')), 'utf8'));
    expect(sidecar.input_signature).toMatchObject({ version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/), input_hashes: {} });
    await updateNode(id, 'audio-1', { activeTake: null });

    const probe = await WsProbe.open(studio.base, id);
    await probe.next('server:full_sync');
    const again = await submit({ project_id: id, node_id: 'audio-1' });
    expect(again).toEqual({ status: 202, body: { task_id: expect.stringMatching(/^gen-/), deduplicated: false, reused: true, take: first } });
    const success = await probe.next('server:task_success');
    expect(success).toMatchObject({ task_id: again.body.task_id, node_id: 'audio-1', result: { take: first, reused: true } });
    const notice = await probe.next('server:notice');
    expect(notice.message).toMatch(/^Reused SHOT-010_AUDIO_v01_take01\.wav: its inputs and parameters are unchanged, so nothing ran\. Run again/);
    probe.socket.close();
    expect((await graphNode(id, 'audio-1')).data.activeTake).toBe(first);
    expect(await waitForTask(studio.base, again.body.task_id)).toMatchObject({ status: 'succeeded', result: { take: first, reused: true } });
    expect(await filesIn(id, folder)).toEqual([first.split('/').pop()]);

    const forced = await run(id, 'audio-1', { force: true });
    expect(forced).not.toBe(first);
    expect(await filesIn(id, folder)).toHaveLength(2);

    await updateNode(id, 'audio-1', { text: 'Ships can see the rocks tonight.' });
    const changed = await run(id, 'audio-1');
    expect(await filesIn(id, folder)).toHaveLength(3);
    // Back to the first text: the first take again.
    await updateNode(id, 'audio-1', { text: 'The lamp is lit.' });
    expect((await submit({ project_id: id, node_id: 'audio-1' })).body).toMatchObject({ reused: true, take: first });
    // Three runs were charged, the reuses were not.
    for (let waited = 0; (await ledger(id)).entries.length < 3 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect((await ledger(id)).entries).toHaveLength(3);
    expect(changed).not.toBe(first);
  });

  it('super resolution of an unchanged input at an unchanged scale reuses its take; another scale, or a new input take, runs', async () => {
    const id = await project(
      'Reuse Upscale',
      [
        { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: 'a lighthouse at dusk', seed: 7 } },
        { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'draft-image' } },
        { id: 'sr-1', type: 'superResolution', position: { x: 300, y: 0 }, data: { scale: 2 } },
      ],
      [
        { id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' },
        { id: 'e-2', source: 'shot-1', sourceHandle: 'output', target: 'sr-1', targetHandle: 'input' },
      ],
    );
    await run(id, 'shot-1');
    const upscaled = await run(id, 'sr-1');
    expect((await submit({ project_id: id, node_id: 'sr-1' })).body).toMatchObject({ reused: true, take: upscaled });
    await updateNode(id, 'sr-1', { scale: 3 });
    const bigger = await run(id, 'sr-1');
    expect(bigger).not.toBe(upscaled);
    await updateNode(id, 'sr-1', { scale: 2 });
    expect((await submit({ project_id: id, node_id: 'sr-1' })).body).toMatchObject({ reused: true, take: upscaled });
    // A new take of the shot (same seed and prompt: the same picture, a new file) is the same content: still reused.
    await run(id, 'shot-1', { force: true });
    expect((await submit({ project_id: id, node_id: 'sr-1' })).body).toMatchObject({ reused: true, take: upscaled });
    // A different picture upstream is a different input: it runs.
    await updateNode(id, 'shot-1', { seed: 8 });
    await run(id, 'shot-1');
    expect(await run(id, 'sr-1')).not.toBe(upscaled);
  });

  it('over the WebSocket too: client:start_generation reuses, and with force: true runs again', async () => {
    const id = await project('Reuse Socket', [{ id: 'audio-1', type: 'audio', position: { x: 0, y: 0 }, data: { text: 'Over the socket.', voice: 'en' } }]);
    const first = await run(id, 'audio-1');
    const probe = await WsProbe.open(studio.base, id);
    await probe.next('server:full_sync');
    probe.send({ type: 'client:start_generation', node_id: 'audio-1' });
    expect(await probe.next('server:task_success', 20_000)).toMatchObject({ node_id: 'audio-1', result: { take: first, reused: true } });
    expect((await probe.next('server:notice')).message).toContain('Reused');
    probe.send({ type: 'client:start_generation', node_id: 'audio-1', force: true });
    const forced = await probe.next('server:task_success', 30_000);
    expect(forced.result.take).not.toBe(first);
    expect(forced.result.reused).toBeUndefined();
    probe.socket.close();
  });

  it('video restoration of an unchanged clip at an unchanged strength reuses its take; another strength runs', async () => {
    const id = await project(
      'Reuse Restore',
      [
        {
          id: 'shot-1',
          type: 'shot',
          position: { x: 0, y: 0 },
          data: { scene: 'SCENE_02', shot: 'SHOT_020', prompt: 'waves', seed: 3, duration: 1, taskType: 'generate-video' },
        },
        { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId: 'draft-video' } },
        { id: 'vr-1', type: 'videoRestoration', position: { x: 300, y: 0 }, data: { strength: 0.5 } },
      ],
      [
        { id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' },
        { id: 'e-2', source: 'shot-1', sourceHandle: 'output', target: 'vr-1', targetHandle: 'input' },
      ],
    );
    await run(id, 'shot-1');
    const restored = await run(id, 'vr-1');
    expect(restored).toMatch(/^03_Renders\/SCENE_02\/SHOT_020\/SHOT-020_VR_v01_take01\.mp4$/);
    expect((await submit({ project_id: id, node_id: 'vr-1' })).body).toMatchObject({ reused: true, take: restored });
    await updateNode(id, 'vr-1', { strength: 0.9 });
    expect(await run(id, 'vr-1')).not.toBe(restored);
  });
});
