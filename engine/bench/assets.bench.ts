import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { createAsset, referenceImage, uploadImages } from '../src/testing/asset-fixture.ts';
import { jobApp } from '../src/testing/job-app.ts';
import { projectWithShot } from '../src/testing/project-fixture.ts';
import type { RunnerBackend, RunOptions } from '../src/runner/backend.ts';
import type { InstalledPipeline } from '../src/runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../src/runner/process-backend.ts';
import { testSettings } from '../src/testing/test-settings.ts';
import { reporter, round, type BenchResult } from './bench-result.ts';

const run = promisify(execFile);
const VIDEO_MB = Number(process.env.ASSETS_BENCH_VIDEO_MB ?? 1024);
const IMAGES = 200;

interface Posted {
  status: number;
  body: string;
  /** The answer's Server-Timing header: where the engine spent the time. */
  timing: string;
  client: string;
}

/** Streams a file as one multipart part over HTTP from this process, never holding it in memory. */
function postFromHere(url: string, path: string, size: number): Promise<Posted> {
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, timing: String(res.headers['server-timing'] ?? ''), client: 'this process' }));
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
 * The upload as a browser makes it: from a client in its own process (curl streams the file), so
 * the engine's time and RSS are the engine's alone. Without curl, from this process.
 */
async function postFile(url: string, path: string, size: number, scratch: string): Promise<Posted> {
  const headers = join(scratch, 'answer-headers');
  const body = join(scratch, 'answer-body');
  try {
    const { stdout } = await run(
      'curl',
      ['-sS', '-H', 'Expect:', '-o', body, '-D', headers, '-w', '%{http_code}', '-F', `file=@${path};filename=camera.mkv;type=video/x-matroska`, url],
      { maxBuffer: 1 << 20 },
    );
    const timing = /^server-timing: *(.*)$/im.exec(await readFile(headers, 'utf8'))?.[1]?.trim() ?? '';
    return { status: Number(stdout.trim()), body: await readFile(body, 'utf8'), timing, client: 'curl' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return postFromHere(url, path, size);
  }
}

/** `receive;dur=812.3, probe;dur=40.1` as `receive 0.81 s, probe 0.04 s`. */
const phases = (timing: string) =>
  timing
    .split(',')
    .map((entry) => /^\s*([\w-]+);dur=([\d.]+)/.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${(Number(m[2]) / 1000).toFixed(2)} s`)
    .join(', ');

/** Interleaved cp/upload pairs: one pair swings 5x on this kind of VM (a 1 GiB page-cache write cost 0.24-1.5 s back to back). */
const PAIRS = Math.max(1, Number(process.env.ASSETS_BENCH_VIDEO_PAIRS ?? 5));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Pair {
  cpSeconds: number;
  cpSyncSeconds: number;
  upSeconds: number;
  rssGrowth: number;
  answer: Posted;
}

/** `cp` of the file (then `sync` of the copy), then the same file through POST /media into a project of its own (no deduplication). */
async function onePair(studio: Awaited<ReturnType<typeof jobApp>>, dir: string, video: string, size: number, n: number): Promise<Pair> {
  // Nothing of the generated file (or of the last pair) is still dirty: neither leg pays for earlier writeback.
  await run('sync', []);
  const copy = join(dir, 'copy.mkv');
  const cpStart = performance.now();
  await run('cp', [video, copy]);
  const cpSeconds = (performance.now() - cpStart) / 1000;
  // The upload is durable before it answers (fsync before the commit); `cp` alone leaves its copy in the page cache.
  await run('sync', [copy]);
  const cpSyncSeconds = (performance.now() - cpStart) / 1000;
  await rm(copy);
  const projectId = await projectWithShot(studio.base, { name: `Bench Media ${n}`, pipelineId: 'test-noop' });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const upStart = performance.now();
  const answer = await postFile(`${studio.base}/api/v1/projects/${projectId}/media`, video, size, dir);
  const upSeconds = (performance.now() - upStart) / 1000;
  clearInterval(sampler);
  return { cpSeconds, cpSyncSeconds, upSeconds, rssGrowth: (rssPeak - rssBefore) / 1024 / 1024, answer };
}

/**
 * The 1 GiB camera file through POST /media against `cp` of the same file on the same disk, in the
 * same run (and `cp` then fsync of the copy, since the upload is durable when it answers), and the
 * engine's RSS growth meanwhile: PAIRS interleaved pairs, each figure their median.
 */
export async function benchMediaUpload(r: ReturnType<typeof reporter>, studio: Awaited<ReturnType<typeof jobApp>>, dir: string): Promise<void> {
  // A raw-video Matroska file: cheap to make and to decode, as big as asked.
  const frames = Math.ceil((VIDEO_MB * 1024 * 1024) / (1280 * 720 * 1.5));
  const video = join(dir, 'camera.mkv');
  await run(
    'ffmpeg',
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=1280x720:rate=25`, '-frames:v', String(frames), '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', video],
    { maxBuffer: 1 << 20 },
  );
  const { size } = await stat(video);
  const pairs: Pair[] = [];
  for (let n = 0; n < PAIRS; n++) {
    const pair = await onePair(studio, dir, video, size, n);
    pairs.push(pair);
    if (pair.answer.status !== 201) break;
  }
  const mb = size / 1024 / 1024;
  const cpSeconds = median(pairs.map((p) => p.cpSeconds));
  const cpSyncSeconds = median(pairs.map((p) => p.cpSyncSeconds));
  r.measured(
    'cp_same_file_baseline',
    round(mb / cpSeconds, 1),
    'MiB/s',
    'baseline',
    `median of ${pairs.length}: ${pairs.map((p) => p.cpSeconds.toFixed(2)).join(', ')} s`,
  );
  r.measured(
    'cp_then_fsync_same_file_baseline',
    round(mb / cpSyncSeconds, 1),
    'MiB/s',
    'baseline',
    '`cp` of the same file, then `sync` of the copy: durable, as the upload is when it answers',
  );
  const refused = pairs.find((p) => p.answer.status !== 201);
  if (refused) r.unmeasured('upload_1gib_video_throughput', 'MiB/s', `the upload was answered ${refused.answer.status}: ${refused.answer.body.slice(0, 200)}`);
  else {
    const upSeconds = median(pairs.map((p) => p.upSeconds));
    const typical = pairs.reduce((best, p) => (Math.abs(p.upSeconds - upSeconds) < Math.abs(best.upSeconds - upSeconds) ? p : best));
    r.measured(
      'upload_1gib_video_throughput',
      round(mb / upSeconds, 1),
      'MiB/s',
      undefined,
      `${round(mb, 0)} MiB from ${typical.answer.client}, median of ${pairs.length}: ${pairs.map((p) => p.upSeconds.toFixed(2)).join(', ')} s; streamed to disk with sha256 on the way, type from bytes, ffprobe of the header, every packet read, decode of start/middle/end with the poster, fsync, moved into the LFS store and linked into the tree with the pointer staged from the hash, commit, all before the answer (the median one: ${phases(typical.answer.timing)})`,
    );
    const ratios = pairs.map((p) => p.cpSeconds / p.upSeconds);
    r.measured(
      'upload_vs_cp',
      round(median(ratios), 3),
      'x',
      { op: '>=', value: 0.5 },
      `median of the pairs' ratios: ${ratios.map((x) => x.toFixed(2)).join(', ')}`,
    );
    r.measured(
      'upload_vs_cp_then_fsync',
      round(median(pairs.map((p) => p.cpSyncSeconds / p.upSeconds)), 3),
      'x',
      undefined,
      'against the durable baseline above; no target of its own',
    );
  }
  r.measured(
    'engine_rss_growth_during_upload',
    round(Math.max(...pairs.map((p) => p.rssGrowth)), 1),
    'MiB',
    { op: '<', value: 64 },
    `the largest of ${pairs.length} uploads; ` +
      (pairs[0]!.answer.client === 'curl'
        ? 'the engine process alone (the client is curl)'
        : 'the bench client streams from the same process; its own buffers are included'),
  );
}

/** The bench's process backend: with spare interpreters (STUDIO_WARM_START=1), or, for the baseline run, without. */
class BenchBackend implements RunnerBackend {
  readonly name = 'process' as const;
  use: 'warm' | 'cold' = 'warm';
  readonly #settings = testSettings();
  readonly #warm = new ProcessBackend({ path: this.#settings.path, home: this.#settings.home, warm: true });
  readonly #cold = new ProcessBackend({ path: this.#settings.path, home: this.#settings.home });
  #current = () => (this.use === 'warm' ? this.#warm : this.#cold);
  unavailableReason(pipeline: InstalledPipeline) {
    return this.#current().unavailableReason(pipeline);
  }
  run(options: RunOptions) {
    return this.#current().run(options);
  }
  prewarm(pipeline: InstalledPipeline) {
    this.#current().prewarm(pipeline);
  }
}

/** One draft training run of 5 steps: submit to Preparing, to "loading base model" (the trainer started), to the first step. */
async function trainOnce(base: string, assetId: string): Promise<{ firstProgress: number; trainerStart: number; modelLoad: number }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/library`);
  await new Promise((resolve) => ws.once('open', resolve));
  // Per task: the socket replays earlier runs' last states on connect, and this run's events may come before its answer.
  const seen = new Map<string, Record<string, number>>();
  let ended: ((taskId: string, state: string) => void) | null = null;
  const endings = new Map<string, string>();
  ws.on('message', (raw) => {
    const event = JSON.parse(String(raw)) as { task_id: string; phase?: string; state: string; error?: string };
    const phases = seen.get(event.task_id) ?? {};
    seen.set(event.task_id, phases);
    if (event.phase && !(event.phase in phases)) phases[event.phase] = performance.now();
    if (['succeeded', 'failed', 'cancelled'].includes(event.state)) {
      endings.set(event.task_id, event.error ? `${event.state}: ${event.error}` : event.state);
      ended?.(event.task_id, event.state);
    }
  });
  const trainStart = performance.now();
  const answer = await fetch(`${base}/api/v1/assets/${assetId}/train`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ base: 'draft', preset: 'cpu', params: { steps: 5 } }),
  });
  if (answer.status !== 202) throw new Error(`train answered ${answer.status}: ${await answer.text()}`);
  const { task_id: taskId } = (await answer.json()) as { task_id: string };
  const ending = await new Promise<string>((resolve) => {
    ended = (id) => id === taskId && resolve(endings.get(id)!);
    if (endings.has(taskId)) resolve(endings.get(taskId)!);
  });
  ws.close();
  if (ending !== 'succeeded') throw new Error(`the bench's training run ended ${ending}`);
  const phases = seen.get(taskId)!;
  // Steps are told at most every 100 ms: a 5-step run may show a sample or the save before any step.
  const firstStep = Math.min(...['training', 'sample', 'saving'].map((phase) => phases[phase] ?? Infinity));
  const loading = phases.loading ?? phases.caching ?? firstStep;
  return {
    firstProgress: ((phases.preparing ?? loading) - trainStart) / 1000,
    trainerStart: (loading - trainStart) / 1000,
    modelLoad: (firstStep - loading) / 1000,
  };
}

/**
 * Issue 11's figures: a 1 GiB camera file through POST /media against `cp` of the same file on the
 * same disk (and the engine's RSS growth meanwhile), 200 reference images in one upload, and a
 * training run's dispatch to its first progress event.
 */
export async function benchAssets(): Promise<BenchResult[]> {
  const r = reporter('assets');
  const backend = new BenchBackend();
  const studio = await jobApp({ concurrency: 1, backends: [backend] });
  const dir = await mkdtemp(join(studio.home, 'bench-'));
  try {
    await benchMediaUpload(r, studio, dir);

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

    // The baseline first: the same trainer started cold (Python, then numpy and torch imported), then from the spare interpreter made when the worker started.
    backend.use = 'cold';
    const cold = await trainOnce(studio.base, asset.id);
    backend.use = 'warm';
    const warm = await trainOnce(studio.base, asset.id);
    r.measured(
      'train_dispatch_to_first_progress',
      round(warm.firstProgress, 3),
      's',
      { op: '<', value: 2 },
      `submit to the first event the page shows (Preparing dataset); cold start ${cold.firstProgress.toFixed(3)} s`,
    );
    r.measured(
      'train_dispatch_to_trainer_start_minus_model_load_cold_baseline',
      round(cold.trainerStart, 3),
      's',
      'baseline',
      `dataset of ${IMAGES} images prepared, Python started and numpy and torch imported, until "loading base model" (STUDIO_WARM_START=0)`,
    );
    r.measured(
      'train_dispatch_to_trainer_start_minus_model_load',
      round(warm.trainerStart, 3),
      's',
      { op: '<', value: 2 },
      `the same from the spare interpreter that imported numpy and torch when the worker started (STUDIO_WARM_START=1, the default): ${(warm.trainerStart / cold.trainerStart).toFixed(2)}x the cold start`,
    );
    r.measured(
      'train_model_load',
      round(warm.modelLoad, 3),
      's',
      undefined,
      `base network built and dataset cached, until the first step (cold start ${cold.modelLoad.toFixed(3)} s)`,
    );
  } finally {
    await studio.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  return r.results;
}
