import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEdl, type FrameRate, type WriteEdlEvent } from '../edl/index.ts';
import { overlayComments } from '../text-overlays.ts';
import { editlySpec } from './editly-spec.ts';
import { FfmpegRenderer } from './ffmpeg-renderer.ts';
import { makeTake } from './test-media.ts';
import { buildTimeline } from './timeline.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'text-rates-'));
  await Promise.all([
    makeTake(join(dir, 'project/shots/a.mp4'), { seconds: 2, width: 320, height: 180 }),
    makeTake(join(dir, 'project/shots/b.mp4'), { seconds: 2, width: 320, height: 180, hue: 120 }),
  ]);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const clip = (name: string, extra: Partial<WriteEdlEvent> = {}): WriteEdlEvent => ({
  clipName: name,
  sourceFile: `shots/${name}.mp4`,
  channels: 'V',
  sourceIn: 0,
  sourceOut: 48,
  ...extra,
});
const titled = {
  comments: overlayComments({
    overlays: [
      { kind: 'title', text: 'THE HARBOUR' },
      { kind: 'lower-third', text: "Ana: it's 5:00 \\ late" },
    ],
  }),
};

async function render(name: string, events: WriteEdlEvent[], rate: FrameRate = '24') {
  const [edlText] = writeEdl({ title: name, rate, dropFrame: false, events });
  const outputPath = join(dir, `out/${name}.mp4`);
  const result = await new FfmpegRenderer().render({
    edlText: edlText!,
    rate,
    dropFrame: false,
    projectDir: join(dir, 'project'),
    outputPath,
    width: 320,
    height: 180,
  });
  return { result, outputPath, edlText: edlText! };
}

/** PSNR of each frame of two renders, in order. */
async function psnrPerFrame(a: string, b: string): Promise<number[]> {
  const stats = join(dir, `psnr-${Math.random().toString(36).slice(2)}.log`);
  await run('ffmpeg', ['-v', 'error', '-i', a, '-i', b, '-lavfi', `[0:v][1:v]psnr=stats_file=${stats}`, '-f', 'null', '-']);
  return (await readFile(stats, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => /psnr_avg:(\S+)/.exec(line)![1]!)
    .map((v) => (v === 'inf' ? Infinity : Number(v)));
}

describe('title cards and lower thirds', () => {
  it('travel in the EDL as comments NLEs keep and come back on the timeline segment', () => {
    const [text] = writeEdl({ title: 'T', rate: '24', dropFrame: false, events: [clip('a', titled), clip('b')] });
    expect(text).toContain('* TITLE CARD: THE HARBOUR\n');
    expect(text).toContain("* LOWER THIRD: Ana: it's 5:00 \\ late\n");
    const timeline = buildTimeline({ edlText: text!, rate: '24', projectDir: join(dir, 'project') });
    expect(timeline.video.map((s) => s.overlays ?? [])).toEqual([
      [
        { kind: 'title', text: 'THE HARBOUR' },
        { kind: 'lower-third', text: "Ana: it's 5:00 \\ late" },
      ],
      [],
    ]);
  });

  it('are drawn by the ffmpeg path over their shot only', async () => {
    const plain = await render('plain', [clip('a'), clip('b')]);
    const withText = await render('text', [clip('a', titled), clip('b')]);
    expect(withText.result.method).toBe('filter-graph');
    expect(withText.result.frames).toBe(96);
    const psnr = await psnrPerFrame(plain.outputPath, withText.outputPath);
    expect(psnr).toHaveLength(96);
    // The text changes every frame of the first shot and none of the second.
    expect(Math.max(...psnr.slice(0, 48))).toBeLessThan(30);
    // The plain render is a stream copy, the other a re-encode: ~40 dB is the same picture.
    expect(Math.min(...psnr.slice(48))).toBeGreaterThan(35);
  }, 240_000);

  it('become editly title and subtitle layers on their clip', () => {
    const [text] = writeEdl({ title: 'T', rate: '24', dropFrame: false, events: [clip('a'), clip('b', titled)] });
    const timeline = buildTimeline({ edlText: text!, rate: '24', projectDir: join(dir, 'project') });
    const spec = editlySpec({ timeline, width: 320, height: 180, outPath: '/tmp/x.mp4' }) as { clips: Array<{ layers: Array<Record<string, unknown>> }> };
    expect(spec.clips[0]!.layers.map((l) => l.type)).toEqual(['video']);
    expect(spec.clips[1]!.layers.slice(1)).toEqual([
      { type: 'title', text: 'THE HARBOUR', position: 'center' },
      { type: 'subtitle', text: "Ana: it's 5:00 \\ late" },
    ]);
  });
});

describe('a source at another rate', () => {
  it('renders conformed in real time to the frame count of the list', async () => {
    // 2 s takes at 24 fps in a 25 fps list: 50 record frames each, less a 10-frame dissolve.
    const { result } = await render(
      'conformed',
      [clip('a', { sourceRate: '24' }), clip('b', { sourceRate: '24', transition: { type: 'dissolve', frames: 10 } })],
      '25',
    );
    expect(result.frames).toBe(90);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-count_packets',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_packets,r_frame_rate',
      '-of',
      'csv=p=0',
      join(dir, 'out/conformed.mp4'),
    ]);
    expect(stdout.trim()).toBe('25/1,90');
  }, 240_000);
});
