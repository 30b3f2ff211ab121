import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { createAsset, referenceImage, uploadImages } from '../src/testing/asset-fixture.ts';
import { jobApp } from '../src/testing/job-app.ts';
import { projectWithShot } from '../src/testing/project-fixture.ts';
import { reporter, round, type BenchResult } from './bench-result.ts';

const run = promisify(execFile);
const VIDEO_MB = Number(process.env.ASSETS_BENCH_VIDEO_MB ?? 1024);
const IMAGES = 200;

/** Streams a file as one multipart part over HTTP, never holding it in memory. */
function postFile(url: string, path: string, size: number): Promise<{ status: number; body: string }> {
  const boundary = 'benchBOUNDARY42';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="camera.mkv"\r\nContent-Type: video/x-matroska\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(head);
    createReadStream(path)
      .on('end', () => req.end(tail))
      .on('error', reject)
      .pipe(req, { end: false });
  });
}

/**
 * Issue 11's figures: a 1 GiB camera file through POST /media against `cp` of the same file on the
 * same disk (and the engine's RSS growth meanwhile), 200 reference images in one upload, and a
 * training run's dispatch to its first progress event.
 */
export async function benchAssets(): Promise<BenchResult[]> {
  const r = reporter('assets');
  const studio = await jobApp({ concurrency: 1 });
  const dir = await mkdtemp(join(studio.home, 'bench-'));
  try {
    // A raw-video Matroska file: cheap to make and to decode, as big as asked.
    const frames = Math.ceil((VIDEO_MB * 1024 * 1024) / (1280 * 720 * 1.5));
    const video = join(dir, 'camera.mkv');
    await run(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=1280x720:rate=25`,
        '-frames:v',
        String(frames),
        '-c:v',
        'rawvideo',
        '-pix_fmt',
        'yuv420p',
        video,
      ],
      { maxBuffer: 1 << 20 },
    );
    const { size } = await stat(video);
    const cpStart = performance.now();
    await run('cp', [video, join(dir, 'copy.mkv')]);
    const cpSeconds = (performance.now() - cpStart) / 1000;
    await rm(join(dir, 'copy.mkv'));
    const projectId = await projectWithShot(studio.base, { name: 'Bench Media', pipelineId: 'test-noop' });
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const upStart = performance.now();
    const answer = await postFile(`${studio.base}/api/v1/projects/${projectId}/media`, video, size);
    const upSeconds = (performance.now() - upStart) / 1000;
    clearInterval(sampler);
    const mb = size / 1024 / 1024;
    r.measured('cp_same_file_baseline', round(mb / cpSeconds, 1), 'MiB/s', 'baseline');
    if (answer.status !== 201) r.unmeasured('upload_1gib_video_throughput', 'MiB/s', `the upload was answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    else {
      r.measured(
        'upload_1gib_video_throughput',
        round(mb / upSeconds, 1),
        'MiB/s',
        undefined,
        `${round(mb, 0)} MiB: stream to disk, type from bytes, ffprobe and a full decode check, sha256, poster, git-lfs add and commit, all before the answer`,
      );
      r.measured('upload_vs_cp', round(cpSeconds / upSeconds, 3), 'x', { op: '>=', value: 0.5 });
    }
    r.measured(
      'engine_rss_growth_during_upload',
      round((rssPeak - rssBefore) / 1024 / 1024, 1),
      'MiB',
      { op: '<', value: 64 },
      'the bench client streams from the same process; its own buffers are included',
    );

    const { body: asset } = await createAsset(studio.base, { name: 'Bench Set', kind: 'character', trigger_word: 'benchset' });
    const images = await Promise.all(Array.from({ length: IMAGES }, async (_, i) => ({ name: `ref_${i}.png`, bytes: await referenceImage(i, 512) })));
    const imgStart = performance.now();
    const imported = await uploadImages(studio.base, asset.id, images);
    const imgSeconds = (performance.now() - imgStart) / 1000;
    if (imported.status !== 201) r.unmeasured('import_200_reference_images', 's', `answered ${imported.status}`);
    else
      r.measured(
        'import_200_reference_images',
        round(imgSeconds, 2),
        's',
        { op: '<', value: 10 },
        `${imported.body.added.length} added: decode, sha256, pHash, thumbnail, one LFS commit`,
      );

    const ws = new WebSocket(`${studio.base.replace('http', 'ws')}/ws/library`);
    await new Promise((resolve) => ws.once('open', resolve));
    const firstEvent = new Promise<Record<string, number>>((resolve) => {
      const seen: Record<string, number> = {};
      ws.on('message', (raw) => {
        const event = JSON.parse(String(raw)) as { phase?: string };
        if (event.phase && !(event.phase in seen)) seen[event.phase] = performance.now();
        if (seen.training) resolve(seen);
      });
    });
    const trainStart = performance.now();
    await fetch(`${studio.base}/api/v1/assets/${asset.id}/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ base: 'draft', preset: 'cpu', params: { steps: 5 } }),
    });
    const seen = await firstEvent;
    ws.close();
    const loading = seen.loading ?? seen.caching ?? seen.training!;
    r.measured(
      'train_dispatch_to_first_progress',
      round(((seen.preparing ?? loading) - trainStart) / 1000, 3),
      's',
      { op: '<', value: 2 },
      'submit to the first event the page shows (Preparing dataset)',
    );
    r.measured(
      'train_dispatch_to_trainer_start_minus_model_load',
      round((loading - trainStart) / 1000, 3),
      's',
      { op: '<', value: 2 },
      `dataset of ${IMAGES} images prepared, Python and torch started, until "loading base model"`,
    );
    r.measured('train_model_load', round((seen.training! - loading) / 1000, 3), 's', undefined, 'base network built and dataset cached, until the first step');
  } finally {
    await studio.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  return r.results;
}
