// motion-edges-ffmpeg on the process backend's terms (python3 entrypoint.py <job>): real ffmpeg,
// real videos. A still picture has edges but no motion; a moving one has both.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'motion-edges-ffmpeg');
let scratch: string;
let moving: string;
let still: string;
let count = 0;

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-motion-'));
  moving = join(scratch, 'moving.mp4');
  still = join(scratch, 'still.mp4');
  // Odd size on purpose: 4:2:0 output needs it cropped even.
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=321x181:r=24:d=1',
    '-f',
    'lavfi',
    '-i',
    'sine=d=1',
    '-shortest',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv444p',
    '-c:a',
    'aac',
    moving,
  ]);
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=c=gray:s=320x180:r=24:d=1,drawbox=x=100:y=50:w=80:h=60:color=white:t=fill',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    still,
  ]);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function job(source: string | null, params: Record<string, unknown> = {}) {
  const folder = join(scratch, `job-${++count}`);
  await mkdir(join(folder, 'in'), { recursive: true });
  await mkdir(join(folder, 'out'));
  if (source) await writeFile(join(folder, 'in/input.mp4'), execFileSync('cat', [source]));
  await writeFile(
    join(folder, 'request.json'),
    JSON.stringify({
      job_id: `m${count}`,
      pipeline: 'motion-edges-ffmpeg',
      task_type: 'extract-motion',
      quality: 'standard',
      seed: 1,
      prompt: '',
      negative_prompt: '',
      params,
      width: 320,
      height: 180,
      aspect_ratio: '16:9',
      fps: 24,
      duration: 1,
      inputs: { input: 'in/input.mp4' },
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

/** Each frame's mean luma (limited range: 16 is black). */
function meanLuma(file: string, key = 'YAVG'): number[] {
  const text = execFileSync(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-vf', `signalstats,metadata=print:key=lavfi.signalstats.${key}:file=-`, '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  return [...text.matchAll(new RegExp(`${key}=([\\d.]+)`, 'g'))].map((m) => Number(m[1]));
}

function streams(file: string): Array<{ codec_type: string; width?: number; height?: number; pix_fmt?: string }> {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height,pix_fmt', '-of', 'json', file], { encoding: 'utf8' }),
  ).streams;
}

describe('motion-edges-ffmpeg', () => {
  it('edges: an outline video at the source size (cropped even), H.264 4:2:0, no audio, with progress', async () => {
    const run = await job(moving);
    expect(run.status, run.stderr).toBe(0);
    const progress = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l).progress as number);
    expect(progress.at(-1)).toBe(1);
    expect(streams(run.out)).toEqual([{ codec_type: 'video', width: 320, height: 180, pix_fmt: 'yuv420p' }]);
    const luma = meanLuma(run.out);
    expect(luma).toHaveLength(24);
    // Outlines on black: far darker than the colourful source, but not empty.
    expect(Math.max(...luma)).toBeLessThan(Math.min(...meanLuma(moving)));
    expect(Math.min(...luma)).toBeGreaterThan(17);
  });

  it('difference: black where nothing moves, light where something does', async () => {
    const calm = await job(still, { method: 'difference' });
    expect(calm.status, calm.stderr).toBe(0);
    for (const y of meanLuma(calm.out, 'YMAX')) expect(y).toBeLessThan(24);
    const busy = await job(moving, { method: 'difference' });
    expect(busy.status, busy.stderr).toBe(0);
    const luma = meanLuma(busy.out);
    // Each frame is the difference from the one before (the first repeated to keep the source's length).
    expect(luma.length).toBeGreaterThanOrEqual(23);
    for (const y of luma) expect(y).toBeGreaterThan(18);
    // The still picture still has edges (its box's outline) in the edges mode.
    const outline = await job(still);
    expect(Math.min(...meanLuma(outline.out, 'YMAX'))).toBeGreaterThan(200);
  });

  it('refuses bad params and a missing or unreadable input, naming them, and writes nothing', async () => {
    for (const [params, named] of [
      [{ method: 'pose' }, /method must be one of edges, difference/],
      [{ low: 0.5, high: 0.3 }, /high must be above low/],
      [{ gain: 40 }, /gain must be a number from 1 to 16/],
    ] as const) {
      const run = await job(moving, params);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(named);
      expect(await readdir(join(run.folder, 'out'))).toEqual([]);
    }
    const none = await job(null);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/request\.inputs\.input not found/);
    const bogus = join(scratch, 'bogus.mp4');
    await writeFile(bogus, 'not a video at all');
    const bad = await job(bogus);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot read input\.mp4|has no picture/);
    expect(existsSync(bad.out)).toBe(false);
  });
});
