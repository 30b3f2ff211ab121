// i2v-kenburns-ffmpeg on the process backend's terms (python3 entrypoint.py <job>): real ffmpeg, a
// real picture. The first frame is the picture; the last is zoomed into it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'i2v-kenburns-ffmpeg');
let scratch: string;
let picture: string;
let count = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-kenburns-'));
  picture = join(scratch, 'picture.png');
  // 4:3, so the 16:9 frame crops it; colour bars and a moving gradient give every region its own look.
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x480:d=1', '-frames:v', '1', picture]);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function job(image: string | null, { params = {}, fps = 24, duration = 1 }: { params?: Record<string, unknown>; fps?: number; duration?: number } = {}) {
  const folder = join(scratch, `job-${++count}`);
  await mkdir(join(folder, 'in'), { recursive: true });
  await mkdir(join(folder, 'out'));
  if (image) await writeFile(join(folder, 'in/image.png'), execFileSync('cat', [image]));
  await writeFile(
    join(folder, 'request.json'),
    JSON.stringify({
      job_id: `k${count}`,
      pipeline: 'i2v-kenburns-ffmpeg',
      task_type: 'image-to-video',
      quality: 'low',
      seed: 1,
      prompt: '',
      negative_prompt: '',
      params,
      width: 320,
      height: 180,
      aspect_ratio: '16:9',
      fps,
      duration,
      inputs: { image: 'in/image.png' },
      outputs: { output: 'out/output.mp4' },
    }),
  );
  const run = spawnSync('python3', ['entrypoint.py', folder], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(dir, '..', '_lib') },
  });
  return { folder, out: join(folder, 'out/output.mp4'), ...run };
}

/** A frame (or the picture, cropped to 16:9 as the pipeline crops it) as 32x18 grey levels. */
function thumb(file: string, frame = 0): Buffer {
  return execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    file,
    '-vf',
    `select=eq(n\\,${frame}),scale=320:180:force_original_aspect_ratio=increase,crop=320:180,scale=32:18:flags=area,format=gray`,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-',
  ]);
}
const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

function streams(file: string): Array<{ codec_type: string; width?: number; height?: number; pix_fmt?: string; r_frame_rate: string; nb_frames?: string }> {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height,pix_fmt,r_frame_rate,nb_frames', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ).streams;
}

describe('i2v-kenburns-ffmpeg', () => {
  it('starts on the picture and zooms into it, at the asked size, rate and length, with a silent track and progress', async () => {
    const run = await job(picture, { params: { zoom: 1.5, pan: 'right' }, fps: 24_000 / 1001, duration: 2 });
    expect(run.status, run.stderr).toBe(0);
    const progress = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l).progress as number);
    expect(progress.at(-1)).toBe(1);
    const [video, audio] = streams(run.out);
    expect(video).toMatchObject({ codec_type: 'video', width: 320, height: 180, pix_fmt: 'yuv420p', r_frame_rate: '24000/1001', nb_frames: '48' });
    expect(audio).toMatchObject({ codec_type: 'audio' });
    const source = thumb(picture);
    // Grey levels 0-255: the first frame is the picture within encoding loss; the last one is not.
    expect(meanDifference(thumb(run.out, 0), source)).toBeLessThan(6);
    expect(meanDifference(thumb(run.out, 47), source)).toBeGreaterThan(15);
  });

  it('without zoom every frame is the picture', async () => {
    const run = await job(picture, { params: { zoom: 1 } });
    expect(run.status, run.stderr).toBe(0);
    expect(meanDifference(thumb(run.out, 23), thumb(picture))).toBeLessThan(6);
  });

  it('refuses bad params and a missing or unreadable image, naming them, and writes nothing', async () => {
    for (const [params, named] of [
      [{ zoom: 3 }, /zoom must be a number from 1 to 2/],
      [{ pan: 'sideways' }, /pan must be one of none, left, right, up, down/],
    ] as const) {
      const run = await job(picture, { params });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(named);
      expect(await readdir(join(run.folder, 'out'))).toEqual([]);
    }
    const none = await job(null);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/request\.inputs\.image not found/);
    const bogus = join(scratch, 'bogus.png');
    await writeFile(bogus, 'not a picture at all');
    const bad = await job(bogus);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot read image\.png|has no picture/);
    expect(existsSync(bad.out)).toBe(false);
  });
});
