// Extract motion: a Motion Source node's video becomes a ControlMap take (motion-edges-ffmpeg),
// committed with its provenance and made the node's active take, on both runner backends (real
// Redis, git-lfs, ffmpeg; Docker is required in CI, skipped elsewhere when no daemon can start).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerBackend } from '../runner/docker-backend.ts';
import { dockerForTests } from '../testing/docker-env.ts';
import { jobApp } from '../testing/job-app.ts';
import { generate, waitForTask } from '../testing/project-fixture.ts';

let scratch: string;
let clip: Buffer;
let docker: { ready: true } | { ready: false; reason: string };
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-motion-'));
  const file = join(scratch, 'dance.mp4');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=320x180:r=24:d=2',
    '-f',
    'lavfi',
    '-i',
    'sine=d=2',
    '-shortest',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    file,
  ]);
  clip = await readFile(file);
  docker = await dockerForTests(['motion-edges-ffmpeg']);
}, 900_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

const probe = (file: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', file], { encoding: 'utf8' }))
    .streams as Array<{ codec_type: string; width: number; height: number }>;

/** A project holding the clip, through the public API: its id and the imported video's path. */
async function projectWithClip(base: string, name: string): Promise<{ id: string; source: string }> {
  const { id } = (await (
    await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  ).json()) as { id: string };
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'dance.mp4');
  const imported = (await (await fetch(`${base}/api/v1/projects/${id}/media`, { method: 'POST', body: form })).json()) as { path: string };
  return { id, source: imported.path };
}

async function saveGraph(base: string, id: string, graph: unknown): Promise<void> {
  const res = await fetch(`${base}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph, version: 1 }),
  });
  if (!res.ok) throw new Error(`cannot save the graph: ${await res.text()}`);
}

async function extract(base: string, id: string, nodeId: string) {
  const res = await fetch(`${base}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: id, node_id: nodeId }),
  });
  return { status: res.status, body: (await res.json()) as { task_id?: string; deduplicated?: boolean; error?: string; code?: string } };
}

/** A Motion Source with the clip, wired from a Pipeline node naming `pipelineId` (with pinned params). */
function wiredMotion(n: number, source: string, pipelineId: string, params?: Record<string, unknown>) {
  return {
    nodes: [
      { id: `motion-${n}`, type: 'motionSource', position: { x: 0, y: n * 300 }, data: { label: `Wired ${n}`, source } },
      { id: `pipe-${n}`, type: 'pipeline', position: { x: -300, y: n * 300 }, data: { pipelineId, ...(params ? { params } : {}) } },
    ],
    edges: [{ id: `e-${n}`, source: `pipe-${n}`, sourceHandle: 'pipeline', target: `motion-${n}`, targetHandle: 'pipeline' }],
  };
}

for (const backend of ['process', 'docker'] as const) {
  describe(`Extract motion on the ${backend} backend`, () => {
    let studio: Awaited<ReturnType<typeof jobApp>>;
    beforeAll(async () => {
      if (backend === 'docker' && !docker.ready) return;
      studio = await jobApp(backend === 'docker' ? { backends: [new DockerBackend()] } : {});
    });
    afterAll(() => studio?.close());

    it('turns the node’s video into a ControlMap take with provenance, made its active take, and refuses a node without a video', async (ctx) => {
      if (backend === 'docker' && !docker.ready) return ctx.skip();
      const created = (await (
        await fetch(`${studio.base}/api/v1/projects`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Motion ${backend}` }),
        })
      ).json()) as { id: string };
      const id = created.id;
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'dance.mp4');
      const imported = (await (await fetch(`${studio.base}/api/v1/projects/${id}/media`, { method: 'POST', body: form })).json()) as {
        path: string;
        kind: string;
      };
      expect(imported.kind).toBe('video');
      const graph = {
        nodes: [
          { id: 'motion-1', type: 'motionSource', position: { x: 0, y: 0 }, data: { label: 'Dance', source: imported.path, params: { method: 'edges' } } },
          { id: 'motion-2', type: 'motionSource', position: { x: 0, y: 300 }, data: { label: 'Empty' } },
        ],
        edges: [],
      };
      expect(
        (
          await fetch(`${studio.base}/api/v1/projects/${id}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ graph, version: 1 }),
          })
        ).ok,
      ).toBe(true);

      const refused = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: id, node_id: 'motion-2' }),
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('Empty has no source video: choose or drop one first');

      const taskId = await generate(studio.base, id, 'motion-1');
      const done = await waitForTask(studio.base, taskId, ['succeeded', 'failed', 'cancelled'], 120_000);
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', kind: 'generation', pipeline: 'motion-edges-ffmpeg' });
      const take = done.result!.take;
      expect(take).toBe('03_Renders/MOTION/motion-1/MOTION-motion-1_v01_take01.mp4');
      const dir = join(studio.home, 'Projects', id);
      // A greyscale map at the source's size, with no sound.
      expect(probe(join(dir, take)).map((s) => [s.codec_type, s.width, s.height])).toEqual([['video', 320, 180]]);
      const sidecar = JSON.parse(await readFile(join(dir, take.replace(/\.mp4$/, '.json')), 'utf8'));
      expect(sidecar).toMatchObject({
        pipeline: 'motion-edges-ffmpeg',
        task_type: 'extract-motion',
        backend,
        task_id: taskId,
        inputs: { input: imported.path },
        params: { method: 'edges' },
      });
      if (backend === 'docker') expect(sidecar.image_digest).toMatch(/^sha256:/);

      const saved = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as {
        graph: { nodes: Array<{ id: string; data: { activeTake?: string; source?: string } }> };
      };
      expect(saved.graph.nodes.find((n) => n.id === 'motion-1')!.data).toMatchObject({ activeTake: take, source: imported.path });
      await expect.poll(() => execFileSync('git', ['lfs', 'ls-files', '--name-only'], { cwd: dir, encoding: 'utf8' }), { timeout: 20_000 }).toContain(take);
    }, 180_000);

    // The choice is the engine's, the same on both backends: run once, on the process backend.
    if (backend === 'process')
      it('runs the pipeline of a wired Pipeline node; a GPU one no live worker can run is refused with the reason, a non-motion one with what it does', async () => {
        const { id, source } = await projectWithClip(studio.base, 'Motion wired');
        const parts = [
          wiredMotion(1, source, 'motion-edges-ffmpeg', { method: 'difference', gain: 8 }),
          wiredMotion(2, source, 'motion-depth-anything'),
          wiredMotion(3, source, 'draft-image'),
        ];
        await saveGraph(studio.base, id, { nodes: parts.flatMap((p) => p.nodes), edges: parts.flatMap((p) => p.edges) });

        // The Pipeline node's pinned parameters reach the pipeline: the wired choice, not the table's defaults.
        const first = await extract(studio.base, id, 'motion-1');
        expect(first.status, JSON.stringify(first.body)).toBe(202);
        const done = await waitForTask(studio.base, first.body.task_id!, ['succeeded', 'failed', 'cancelled'], 120_000);
        expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', pipeline: 'motion-edges-ffmpeg' });
        const sidecar = JSON.parse(await readFile(join(studio.home, 'Projects', id, done.result!.take.replace(/\.mp4$/, '.json')), 'utf8'));
        expect(sidecar).toMatchObject({ pipeline: 'motion-edges-ffmpeg', task_type: 'extract-motion', params: { method: 'difference', gain: 8 } });

        // The unverified GPU pipeline, chosen by a person: refused like a generation, saying why, and nothing queued.
        const depth = await extract(studio.base, id, 'motion-2');
        expect(depth.status).toBe(503);
        expect(depth.body.code).toBe('NO_CAPABLE_WORKER');
        expect(depth.body.error).toBe('No live worker can run this: motion-depth-anything needs 8 GB at standard quality and no GPU worker is running.');

        const image = await extract(studio.base, id, 'motion-3');
        expect(image.status).toBe(400);
        expect(image.body.error).toBe(
          'Draft still (procedural placeholder, CPU) does generate-image, not extract-motion: choose a pipeline that does extract-motion on the Pipeline node wired to Wired 3',
        );
      }, 180_000);
  });
}

describe('Extract motion runs once at a time per node', () => {
  // No worker: the extraction waits in its queue, so it is certainly still queued when the second click comes.
  let studio: Awaited<ReturnType<typeof jobApp>>;
  beforeAll(async () => {
    studio = await jobApp({ inProcessWorker: false });
  });
  afterAll(() => studio?.close());

  it('answers a second extract of a node with one queued or running with that task, and starts a new one once it ended', async () => {
    const { id, source } = await projectWithClip(studio.base, 'Motion once');
    const graph = {
      nodes: [
        { id: 'motion-1', type: 'motionSource', position: { x: 0, y: 0 }, data: { label: 'Once', source } },
        { id: 'motion-2', type: 'motionSource', position: { x: 0, y: 300 }, data: { label: 'Other', source } },
      ],
      edges: [],
    };
    await saveGraph(studio.base, id, graph);

    // Two clicks at once (a double click, two tabs): one task.
    const [a, b] = await Promise.all([extract(studio.base, id, 'motion-1'), extract(studio.base, id, 'motion-1')]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.task_id).toBe(b.body.task_id);
    expect([a.body.deduplicated, b.body.deduplicated].sort()).toEqual([false, true]);
    const taskId = a.body.task_id!;
    expect((await waitForTask(studio.base, taskId, ['queued'])).status).toBe('queued');

    // Later, while it is still queued: the same task again.
    const again = await extract(studio.base, id, 'motion-1');
    expect(again).toEqual({ status: 202, body: { task_id: taskId, deduplicated: true } });
    // Another node is not held by it.
    const other = await extract(studio.base, id, 'motion-2');
    expect(other.status).toBe(202);
    expect(other.body.task_id).not.toBe(taskId);

    // Cancelled, the node is free: the next click is a new task.
    const cancelled = (await (await fetch(`${studio.base}/api/v1/tasks/${taskId}/cancel`, { method: 'POST' })).json()) as { status: string };
    expect(cancelled.status).toBe('cancelled');
    const next = await extract(studio.base, id, 'motion-1');
    expect(next.status).toBe(202);
    expect(next.body).toMatchObject({ deduplicated: false });
    expect(next.body.task_id).not.toBe(taskId);
  }, 120_000);
});
