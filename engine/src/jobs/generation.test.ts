import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobApp } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { projectOfJob, settledJobs } from '../testing/settled-jobs.ts';
import { WsProbe } from '../testing/ws-probe.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 4 })));
afterAll(() => studio?.close());

const dirOf = (id: string) => join(studio.home, 'Projects', id);
const git = (id: string, ...args: string[]) => execFileSync('git', args, { cwd: dirOf(id), encoding: 'utf8' });

describe('generating a shot (real Redis, BullMQ, git-lfs, process backend)', () => {
  it('queues, runs, commits the take through LFS with its sidecar, makes it active, and tells every client', async () => {
    const id = await projectWithShot(studio.base, { name: 'Gen One', pipelineId: 'draft-image' });
    const ws = await WsProbe.open(studio.base, id);
    await ws.next('server:full_sync');
    const taskId = await generate(studio.base, id);
    expect(await ws.next('server:node_state_updated')).toMatchObject({ node_id: 'shot-1', state: 'queued', task_id: taskId });
    const progress = await ws.next('server:task_progress', 30_000);
    expect(progress).toMatchObject({ task_id: taskId, node_id: 'shot-1' });
    const success = await ws.next('server:task_success', 60_000);
    expect(success.result).toMatchObject({ take: '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png' });
    expect(success.result.output_url).toBe(`/api/v1/projects/${id}/files/03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png`);

    const status = await waitForTask(studio.base, taskId);
    expect(status).toMatchObject({ status: 'succeeded', result: { take: '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png', version: 1, number: 1 } });
    expect(git(id, 'lfs', 'ls-files', '--name-only').trim()).toBe('03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png');
    const message = git(id, 'log', '--format=%s', '--', '03_Renders').split('\n')[0]!;
    expect(message).toMatch(/^Take SHOT-010_v01_take01\.png \(SCENE_01\/SHOT_010, pipeline draft-image, seed \d+\)$/);
    const sidecar = JSON.parse(await readFile(join(dirOf(id), '03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.json'), 'utf8'));
    expect(sidecar).toMatchObject({ pipeline: 'draft-image', quality: 'standard', prompt: 'a lighthouse at dusk', backend: 'process', task_id: taskId });
    expect(sidecar.seed).toBeTypeOf('number');
    expect(sidecar.timings.run_ms).toBeGreaterThan(0);
    expect(sidecar.worker).toMatch(/^engine:/);

    // The file streams with ranges.
    const full = await fetch(`${studio.base}${success.result.output_url}`);
    expect(full.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    const part = await fetch(`${studio.base}${success.result.output_url}`, { headers: { range: 'bytes=1-3' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1-3/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('PNG');
    expect((await fetch(`${studio.base}/api/v1/projects/${id}/files/..%2Fproject.json`)).status).toBe(400);

    const graph = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as {
      graph: { nodes: Array<{ id: string; data: { activeTake: string } }> };
    };
    expect(graph.graph.nodes.find((n) => n.id === 'shot-1')!.data.activeTake).toBe('03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png');
    const takes = (await (await fetch(`${studio.base}/api/v1/projects/${id}/takes`)).json()) as Record<string, string[]>;
    expect(takes['shot-1']).toEqual(['03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take01.png']);
    ws.close();
  });

  it('runs nothing twice for the same idempotency key', async () => {
    const id = await projectWithShot(studio.base, { name: 'Idempotent', pipelineId: 'test-noop' });
    const [a, b] = await Promise.all([generate(studio.base, id, 'shot-1', 'click-1'), generate(studio.base, id, 'shot-1', 'click-1')]);
    expect(a).toBe(b);
    await waitForTask(studio.base, a);
    expect(await generate(studio.base, id, 'shot-1', 'click-1')).toBe(a);
    // A second job, or this one run again, would be in the queues until its take was committed.
    const jobs = (await settledJobs(studio.connection)).filter((j) => projectOfJob(j) === id);
    expect(jobs.map((j) => `${j.queueName}:${j.id}:${j.attemptsMade}`).sort()).toEqual([`cpu@test-noop:${a}:1`, `takes:take-${a}:1`]);
    const files = (await readdir(join(dirOf(id), '03_Renders/SCENE_01/SHOT_010'))).filter((f) => f.endsWith('.png'));
    expect(files).toEqual(['SHOT-010_v01_take01.png']);
  });

  it('gives 100 concurrent generations of one shot 100 distinct take numbers and overwrites nothing', async () => {
    const id = await projectWithShot(studio.base, { name: 'Hundred', pipelineId: 'test-noop' });
    const before = Number(git(id, 'rev-list', '--count', 'HEAD'));
    const tasks = await Promise.all(Array.from({ length: 100 }, () => generate(studio.base, id)));
    const results = await Promise.all(tasks.map((t) => waitForTask(studio.base, t)));
    const numbers = results.map((r) => (r as unknown as { result: { number: number } }).result.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const files = (await readdir(join(dirOf(id), '03_Renders/SCENE_01/SHOT_010'))).filter((f) => f.endsWith('.png'));
    expect(new Set(files).size).toBe(100);
    expect(git(id, 'lfs', 'ls-files', '--name-only').trim().split('\n')).toHaveLength(100);
    // Batched: far fewer commits than takes.
    const takeCommits = Number(git(id, 'rev-list', '--count', 'HEAD')) - before;
    expect(takeCommits).toBeLessThan(100);
    expect(git(id, 'status', '--porcelain', '--', '03_Renders')).toBe('');
  });

  it('raises the version when the prompt changes, and keeps counting takes', async () => {
    const id = await projectWithShot(studio.base, { name: 'Versions', pipelineId: 'test-noop' });
    await waitForTask(studio.base, await generate(studio.base, id));
    const ws = await WsProbe.open(studio.base, id);
    const sync = await ws.next('server:full_sync');
    ws.send({
      type: 'client:graph_edit',
      clientClock: 1,
      edits: [{ op: 'update_node', id: 'shot-1', changes: { data: { prompt: 'the same lighthouse, in fog' } } }],
    });
    await ws.next('server:ack');
    void sync;
    const second = await waitForTask(studio.base, await generate(studio.base, id));
    expect(second.result!.take).toBe('03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take02.png');
    const third = await waitForTask(studio.base, await generate(studio.base, id));
    expect(third.result!.take).toBe('03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take03.png');
    ws.close();
  });

  it('shows a failed job its error, leaves nothing in 03_Renders and makes no commit', async () => {
    const id = await projectWithShot(studio.base, { name: 'Failure', pipelineId: 'test-fail' });
    const ws = await WsProbe.open(studio.base, id);
    await ws.next('server:full_sync');
    const head = git(id, 'rev-parse', 'HEAD');
    const taskId = await generate(studio.base, id);
    const failed = await ws.next('server:task_failed', 30_000);
    expect(failed).toMatchObject({ task_id: taskId, node_id: 'shot-1' });
    expect(failed.error).toContain('out of memory');
    expect((await waitForTask(studio.base, taskId)).status).toBe('failed');
    // A retry or a stray take job would be pending until it had run and committed.
    const jobs = (await settledJobs(studio.connection)).filter((j) => projectOfJob(j) === id);
    expect(jobs.map((j) => `${j.queueName}:${j.id}`)).toEqual([`cpu@test-fail:${taskId}`]);
    await studio.ctx.queue.idle();
    expect(await readdir(join(dirOf(id), '03_Renders'))).toEqual(['.gitkeep']);
    expect(git(id, 'rev-parse', 'HEAD')).toBe(head);
    expect(await readdir(join(studio.home, '.jobs', taskId)).catch(() => [])).toEqual([]);
    ws.close();
  });

  it('cancels a running job from the node, and refuses what cannot run with the reason', async () => {
    const id = await projectWithShot(studio.base, { name: 'Cancel', pipelineId: 'test-slow' });
    const ws = await WsProbe.open(studio.base, id);
    await ws.next('server:full_sync');
    ws.send({ type: 'client:start_generation', node_id: 'shot-1' });
    await ws.next('server:task_progress', 30_000);
    ws.send({ type: 'client:cancel_generation', node_id: 'shot-1' });
    const states: string[] = [];
    for (;;) {
      const s = await ws.next('server:node_state_updated', 20_000);
      states.push(s.state);
      if (s.state === 'cancelled') break;
    }
    expect(states.at(-1)).toBe('cancelled');
    // A job that ran on after the cancel would hand in a take job, pending until committed.
    const jobs = (await settledJobs(studio.connection)).filter((j) => projectOfJob(j) === id);
    expect(jobs.map((j) => j.queueName)).toEqual(['cpu@test-slow']);
    await studio.ctx.queue.idle();
    expect(await readdir(join(dirOf(id), '03_Renders'))).toEqual(['.gitkeep']);

    const noPipeline = await fetch(`${studio.base}/api/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Bare"}',
    });
    const bare = ((await noPipeline.json()) as { id: string }).id;
    await fetch(`${studio.base}/api/v1/projects/${bare}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: 1,
        graph: { nodes: [{ id: 's', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: '  ' } }], edges: [] },
      }),
    });
    const refused = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: bare, node_id: 's' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('SCENE_01/SHOT_010 has no prompt yet');
    expect((await fetch(`${studio.base}/api/v1/tasks/gen-nonexistent-0000`)).status).toBe(404);
    ws.close();
  });
});
