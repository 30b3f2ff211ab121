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
  });
}
