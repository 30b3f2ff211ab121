import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEdl, type FrameRate, type WriteEdlEvent } from '../edl/index.ts';
import { InvalidEdlError, MissingMediaError } from './errors.ts';
import { FfmpegRenderer } from './ffmpeg-renderer.ts';
import { makeStill, makeTake, makeWav } from './test-media.ts';

const run = promisify(execFile);
let dir: string;
let project: string;
let out: string;

const shot = (name: string, sourceIn: number, sourceOut: number, extra: Partial<WriteEdlEvent> = {}): WriteEdlEvent => ({
  clipName: name,
  sourceFile: `shots/${name}.mp4`,
  channels: 'V',
  sourceIn,
  sourceOut,
  ...extra,
});
const dissolve = (frames: number) => ({ transition: { type: 'dissolve' as const, frames } });

async function render(
  name: string,
  events: WriteEdlEvent[],
  opts: { rate?: FrameRate; dropFrame?: boolean; renderer?: FfmpegRenderer; signal?: AbortSignal; onProgress?: (f: number) => void } = {},
) {
  const rate = opts.rate ?? '24';
  const dropFrame = opts.dropFrame ?? false;
  const [edlText] = writeEdl({ title: name, rate, dropFrame, events });
  const outputPath = join(out, `${name}.mp4`);
  const result = await (opts.renderer ?? new FfmpegRenderer()).render({
    edlText: edlText!,
    rate,
    dropFrame,
    projectDir: project,
    outputPath,
    width: 1280,
    height: 720,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { result, outputPath };
}

/** Counted video frames, size and the sound's length, as ffprobe reads them back. */
async function probe(path: string) {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_packets',
    '-show_entries',
    'stream=codec_type,codec_name,width,height,nb_read_packets,duration,sample_rate,channels',
    '-of',
    'json',
    path,
  ]);
  const streams = (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams;
  const v = streams.find((s) => s.codec_type === 'video')!;
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    frames: Number(v.nb_read_packets),
    width: v.width,
    height: v.height,
    audioSeconds: a ? Number(a.duration) : null,
    audio: a ? `${a.codec_name} ${a.sample_rate} ${a.channels}` : null,
  };
}

/** Lowest per-frame PSNR between two renders: a frame out of place scores far below the ~40 dB of two encodes of the same picture. */
async function minPsnr(a: string, b: string): Promise<number> {
  const stats = join(dir, `psnr-${Math.random().toString(36).slice(2)}.log`);
  await run('ffmpeg', ['-v', 'error', '-i', a, '-i', b, '-lavfi', `[0:v][1:v]psnr=stats_file=${stats}`, '-f', 'null', '-']);
  const { readFile } = await import('node:fs/promises');
  const values = (await readFile(stats, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => /psnr_avg:(\S+)/.exec(l)![1]!)
    .map((v) => (v === 'inf' ? Infinity : Number(v)));
  return Math.min(...values);
}

const AAC_FRAME = 1024 / 48_000;

/** The MP4's top-level boxes in order: moov before mdat is what +faststart gives. */
async function topLevelBoxes(path: string): Promise<string[]> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const types: string[] = [];
    for (let pos = 0; pos < size;) {
      const head = Buffer.alloc(16);
      await handle.read(head, 0, 16, pos);
      const small = head.readUInt32BE(0);
      types.push(head.toString('latin1', 4, 8));
      pos += small === 1 ? Number(head.readBigUInt64BE(8)) : small;
    }
    return types;
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-test-'));
  project = join(dir, 'project');
  out = join(dir, 'out');
  await Promise.all([
    makeTake(join(project, 'shots/a.mp4'), { seconds: 3, hue: 0, tone: 330 }),
    makeTake(join(project, 'shots/b.mp4'), { seconds: 3, hue: 120, tone: 550 }),
    makeTake(join(project, 'shots/c.mp4'), { seconds: 3, hue: 240, tone: 770 }),
    makeTake(join(project, 'shots/small.mp4'), { seconds: 2, width: 640, height: 360, audio: false }),
    makeTake(join(project, 'shots/hq.mp4'), { seconds: 2, crf: 18, hue: 300 }),
    makeTake(join(project, 'shots/ntsc1.mp4'), { seconds: 3, fps: 30000 / 1001, hue: 60 }),
    makeTake(join(project, 'shots/ntsc2.mp4'), { seconds: 3, fps: 30000 / 1001, hue: 180 }),
    makeStill(join(project, 'stills/frame.png'), { width: 1024, height: 1024 }),
    makeWav(join(project, 'audio/line.wav'), { seconds: 2 }),
  ]);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FfmpegRenderer', () => {
  it('stream-copies cuts of whole same-codec takes, to the frame, with continuous sound', async () => {
    const { result, outputPath } = await render('cuts', [shot('a', 0, 72), shot('b', 0, 72), shot('c', 0, 72)]);
    expect(result.method).toBe('stream-copy');
    expect(result.frames).toBe(216);
    const p = await probe(outputPath);
    expect(p).toMatchObject({ frames: 216, width: 1280, height: 720, audio: 'aac 48000 2' });
    expect(Math.abs(p.audioSeconds! - 9)).toBeLessThanOrEqual(AAC_FRAME);
    expect(await topLevelBoxes(outputPath)).toEqual(['ftyp', 'moov', 'mdat']);
  });

  it('copies trims that fall on keyframes and smart-renders those that do not', async () => {
    const onKeys = await render('trim-keys', [shot('a', 24, 72), shot('b', 0, 48)]);
    expect(onKeys.result.method).toBe('stream-copy');
    expect((await probe(onKeys.outputPath)).frames).toBe(96);

    const offKeys = await render('trims', [shot('a', 5, 60), shot('b', 30, 72), shot('c', 0, 50)]);
    expect(offKeys.result.method).toBe('smart');
    const p = await probe(offKeys.outputPath);
    expect(p.frames).toBe(147);
    expect(Math.abs(p.audioSeconds! - 147 / 24)).toBeLessThanOrEqual(AAC_FRAME);
  });

  it('smart-renders dissolves, frame for frame the same picture as the full filter graph', async () => {
    const events = [shot('a', 0, 72), shot('b', 0, 72, dissolve(12)), shot('c', 10, 72, dissolve(12))];
    const smart = await render('dissolves', events);
    expect(smart.result.method).toBe('smart');
    const p = await probe(smart.outputPath);
    expect(p).toMatchObject({ frames: 182, width: 1280, height: 720, audio: 'aac 48000 2' });
    expect(Math.abs(p.audioSeconds! - 182 / 24)).toBeLessThanOrEqual(AAC_FRAME);

    const full = await render('dissolves-full', events, { renderer: new FfmpegRenderer({ method: 'filter-graph' }) });
    expect(full.result.method).toBe('filter-graph');
    expect(await minPsnr(smart.outputPath, full.outputPath)).toBeGreaterThan(32);
  });

  it('smart-renders at 29.97 drop frame', async () => {
    const events = [shot('ntsc1', 0, 89), shot('ntsc2', 7, 89, dissolve(15))];
    const { result, outputPath } = await render('ntsc', events, { rate: '29.97', dropFrame: true });
    expect(result.method).toBe('smart');
    const p = await probe(outputPath);
    expect(p.frames).toBe(156);
    expect(Math.abs(p.audioSeconds! - (156 * 1001) / 30000)).toBeLessThanOrEqual(AAC_FRAME);
  });

  it('falls back to one filter graph for stills, other sizes and dialogue tracks', async () => {
    const still = await render('still', [
      shot('a', 0, 48),
      { clipName: 'frame', sourceFile: 'stills/frame.png', channels: 'V', sourceIn: 0, sourceOut: 36 },
      shot('c', 0, 48, dissolve(12)),
    ]);
    expect(still.result.method).toBe('filter-graph');
    expect(await probe(still.outputPath)).toMatchObject({ frames: 120, width: 1280, height: 720 });

    const mixed = await render('mixed', [shot('a', 0, 48), shot('small', 0, 48)]);
    expect(mixed.result.method).toBe('filter-graph');
    expect(await probe(mixed.outputPath)).toMatchObject({ frames: 96, width: 1280, height: 720, audio: 'aac 48000 2' });

    // A take of another quality has another PPS (initial QP): copying it after this one would corrupt it.
    const quality = await render('quality', [shot('a', 0, 48), shot('hq', 0, 48)]);
    expect(quality.result).toMatchObject({ method: 'filter-graph', note: expect.stringContaining('encoded differently') });

    const dialogue = await render('dialogue', [
      shot('a', 0, 72),
      shot('b', 0, 72),
      { clipName: 'line', sourceFile: 'audio/line.wav', channels: 'A2', sourceIn: 0, sourceOut: 48 },
    ]);
    expect(dialogue.result.method).toBe('filter-graph');
    const p = await probe(dialogue.outputPath);
    expect(p.frames).toBe(144);
    expect(Math.abs(p.audioSeconds! - 6)).toBeLessThanOrEqual(AAC_FRAME);
  });

  it('leaves nothing in the output folder when aborted midway', async () => {
    const folder = join(out, 'aborted');
    const controller = new AbortController();
    const [edlText] = writeEdl({
      title: 'abort',
      rate: '24',
      dropFrame: false,
      events: [shot('a', 0, 72), shot('small', 0, 48), shot('b', 0, 72), shot('c', 0, 72)],
    });
    const rendering = new FfmpegRenderer().render({
      edlText: edlText!,
      rate: '24',
      dropFrame: false,
      projectDir: project,
      outputPath: join(folder, 'film.mp4'),
      width: 1280,
      height: 720,
      signal: controller.signal,
      onProgress: (fraction, step) => {
        if (step === 'rendering' && fraction > 0.2) controller.abort();
      },
    });
    await expect(rendering).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(folder)).toEqual([]);
  });

  it('names the event of a missing source and the path of a Git LFS pointer', async () => {
    const missing = render('missing', [shot('a', 0, 24), shot('nowhere', 0, 24)]);
    await expect(missing).rejects.toBeInstanceOf(MissingMediaError);
    await expect(missing).rejects.toMatchObject({ code: 'MISSING_MEDIA', data: { event: 2, path: 'shots/nowhere.mp4' } });

    await writeFile(
      join(project, 'shots/pointer.mp4'),
      'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n',
    );
    const pointer = render('pointer', [shot('pointer', 0, 24)]);
    await expect(pointer).rejects.toMatchObject({ code: 'MISSING_MEDIA', data: { event: 1, path: 'shots/pointer.mp4', reason: 'lfs-pointer' } });
    await expect(pointer).rejects.toThrow(/shots\/pointer\.mp4.*Git LFS pointer/);
  });

  it('refuses an overlapping list, naming the event, before running anything', async () => {
    const edlText = [
      'TITLE: overlap',
      'FCM: NON-DROP FRAME',
      '',
      '001  A        V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00',
      '* SOURCE FILE: shots/a.mp4',
      '002  B        V     C        00:00:00:00 00:00:02:00 01:00:01:00 01:00:03:00',
      '* SOURCE FILE: shots/b.mp4',
      '',
    ].join('\n');
    const outputPath = join(out, 'overlap.mp4');
    const rendering = new FfmpegRenderer().render({ edlText, rate: '24', dropFrame: false, projectDir: project, outputPath, width: 1280, height: 720 });
    await expect(rendering).rejects.toBeInstanceOf(InvalidEdlError);
    await expect(rendering).rejects.toThrow(/^event 2\b.*overlaps event 1/);
  });
});
