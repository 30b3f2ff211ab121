import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineManifest } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKERFILE_INSTRUCTIONS as INSTRUCTIONS, dockerInstructions } from '../scripts/pipeline-pins.ts';

const pipelinesDir = dirname(fileURLToPath(import.meta.url));
const folders = readdirSync(pipelinesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(pipelinesDir, d.name, 'pipeline.json')))
  .map((d) => d.name);
const CPU_PIPELINES = ['draft-image', 'draft-video', 'tts-espeak', 'upscale-lanczos', 'restore-denoise', 'motion-edges-ffmpeg', 'i2v-kenburns-ffmpeg'];

function manifestOf(id: string) {
  return PipelineManifest.parse(JSON.parse(readFileSync(join(pipelinesDir, id, 'pipeline.json'), 'utf8')));
}

// ---- Dockerfile lint: the instruction reader of scripts/pipeline-pins.ts. ----

// ---- Running an entrypoint on the process backend, as the runner does. ----

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  progress: number[];
}

function runEntrypoint(id: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['entrypoint.py', ...args], {
      cwd: join(pipelinesDir, id),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', PYTHONPATH: join(pipelinesDir, '_lib') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const progress: number[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        const value = JSON.parse(line) as { progress?: unknown };
        if (typeof value.progress === 'number') progress.push(value.progress);
      }
      resolve({ code, stdout, stderr, progress });
    });
  });
}

let scratch: string;
let fixtures: { mp4: string; png: string };
let jobCount = 0;

async function makeJob(request: Record<string, unknown>, inputs: Record<string, string> = {}): Promise<string> {
  const dir = join(scratch, `job-${++jobCount}`);
  await mkdir(join(dir, 'in'), { recursive: true });
  await mkdir(join(dir, 'out'));
  const inputPaths: Record<string, string> = {};
  for (const [name, source] of Object.entries(inputs)) {
    const rel = `in/${name}.${source.split('.').pop()}`;
    await writeFile(join(dir, rel), await readFile(source));
    inputPaths[name] = rel;
  }
  const full = {
    job_id: `test-${jobCount}`,
    pipeline: 'under-test',
    task_type: 'under-test',
    quality: 'standard',
    seed: 1234,
    prompt: '',
    negative_prompt: '',
    params: {},
    width: 320,
    height: 180,
    aspect_ratio: '16:9',
    fps: 24,
    duration: 1,
    inputs: inputPaths,
    ...request,
  };
  await writeFile(join(dir, 'request.json'), JSON.stringify(full, null, 2));
  return dir;
}

async function runOk(id: string, job: string): Promise<Run> {
  const run = await runEntrypoint(id, [job]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.progress.length).toBeGreaterThan(0);
  for (const p of run.progress) expect(p >= 0 && p <= 1, `progress ${p}`).toBe(true);
  return run;
}

interface Stream {
  codec_type: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  duration?: string;
}

function probe(file: string): Stream[] {
  const json = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height,nb_frames,duration', '-of', 'json', file], {
    encoding: 'utf8',
  });
  return (JSON.parse(json) as { streams: Stream[] }).streams;
}

const video = (streams: Stream[]) => streams.find((s) => s.codec_type === 'video')!;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-pipelines-'));
  fixtures = { mp4: join(scratch, 'fixture.mp4'), png: join(scratch, 'fixture.png') };
  const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x180:r=24:d=2',
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:r=48000:d=2',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    fixtures.mp4,
  ]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=320x180', '-frames:v', '1', '-update', '1', fixtures.png]);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('pipeline manifests and Dockerfiles', () => {
  it('has the six CPU pipelines', () => {
    for (const id of CPU_PIPELINES) expect(folders).toContain(id);
  });

  it.each(folders)('%s: pipeline.json parses and its id is its folder name', (id) => {
    expect(manifestOf(id).id).toBe(id);
  });

  it.each(CPU_PIPELINES)('%s: is a verified CPU pipeline runnable on both backends', (id) => {
    const m = manifestOf(id);
    expect(m.verified).toBe(true);
    expect(m.gpu.required).toBe(false);
    expect(m.backends).toEqual(['docker', 'process']);
    expect(m.image).toBe(`studio/${id}:latest`);
    expect(m.command).toEqual(['python3', '/pipeline/entrypoint.py', '/job']);
    expect(m.processCommand).toEqual(['python3', 'entrypoint.py']);
    expect(m.qualities).toEqual(['low', 'standard', 'high']);
    expect(m.outputs.map((o) => o.name)).toEqual(['output']);
  });

  it.each(folders.filter((id) => existsSync(join(pipelinesDir, id, 'Dockerfile'))))('%s: Dockerfile passes the lint', (id) => {
    const instructions = dockerInstructions(readFileSync(join(pipelinesDir, id, 'Dockerfile'), 'utf8'));
    expect(instructions[0]?.keyword).toBe('FROM');
    for (const { keyword, args } of instructions) {
      expect(INSTRUCTIONS.has(keyword), `unknown instruction ${keyword}`).toBe(true);
      expect(args, 'pipes a download into a shell').not.toMatch(/\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|da|z)?sh\b/);
      if (keyword === 'ADD') expect(args, 'ADD from the network').not.toMatch(/https?:\/\//);
      if (['CMD', 'ENTRYPOINT'].includes(keyword)) expect(args, 'installs packages at run time').not.toMatch(/pip3? install|apt-get/);
    }
    if (manifestOf(id).verified) {
      expect(instructions[0]!.args).toBe('studio-base:bookworm');
      // No PyPI here: verified pipelines are stdlib-only.
      for (const { args } of instructions) expect(args).not.toMatch(/pip3? install/);
    }
  });

  it.each(CPU_PIPELINES)('%s: entrypoint never goes through a shell or installs anything', (id) => {
    const source = readFileSync(join(pipelinesDir, id, 'entrypoint.py'), 'utf8');
    expect(source).not.toMatch(/shell\s*=\s*True|os\.system|os\.popen|pip3? install/);
  });
});

describe('argument handling', () => {
  it.each(CPU_PIPELINES)('%s: exits 2 without a job folder, request.json or valid JSON', async (id) => {
    const none = await runEntrypoint(id, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage/);

    const empty = join(scratch, `empty-${id}`);
    await mkdir(join(empty, 'out'), { recursive: true });
    const missing = await runEntrypoint(id, [empty]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/request\.json/);

    await writeFile(join(empty, 'request.json'), '{"prompt": "unterminated');
    const malformed = await runEntrypoint(id, [empty]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/request\.json/);

    // A request that breaks the job-folder contract is refused before anything else is read.
    await writeFile(join(empty, 'request.json'), '{"prompt": "a"}');
    const partial = await runEntrypoint(id, [empty]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/breaks the job-folder contract: .*request\.job_id: is required/);

    const noOutput = await runEntrypoint(id, [await makeJob({ outputs: {} })]);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toMatch(/(inputs|outputs)\.(input|output) is missing/);
  });

  it('refuses an output path outside out/', async () => {
    const job = await makeJob({ prompt: 'x', outputs: { output: '../escape.png' } });
    const run = await runEntrypoint('draft-image', [job]);
    expect(run.code).toBe(2);
    expect(existsSync(join(job, '..', 'escape.png'))).toBe(false);
  });
});

describe('draft-image', () => {
  const request = (seed: number, prompt = 'A lighthouse at dusk, waves below') => ({
    seed,
    prompt,
    width: 640,
    height: 360,
    outputs: { output: 'out/output.png' },
  });

  it('draws a PNG of the requested size and leaves only the output in out/', async () => {
    const job = await makeJob(request(7));
    await runOk('draft-image', job);
    const v = video(probe(join(job, 'out/output.png')));
    expect([v.width, v.height]).toEqual([640, 360]);
    expect(await readdir(join(job, 'out'))).toEqual(['output.png']);
  });

  it('is deterministic in its seed', async () => {
    const files: Buffer[] = [];
    for (const seed of [42, 42, 43]) {
      const job = await makeJob(request(seed));
      await runOk('draft-image', job);
      files.push(await readFile(join(job, 'out/output.png')));
    }
    expect(files[0]!.equals(files[1]!)).toBe(true);
    expect(files[0]!.equals(files[2]!)).toBe(false);
  });

  it('writes a prompt full of shell and ffmpeg metacharacters as text and runs nothing', async () => {
    const canary = join(scratch, 'pwned');
    const prompt = `'; rm -rf / ; $(touch ${canary}) \`touch ${canary}\` %{pts} %{eif:1:d} \\: [out];drawbox "quoted" ' \n next line\r\n\ttab , ; :`;
    const job = await makeJob(request(5, prompt));
    await runOk('draft-image', job);
    expect(video(probe(join(job, 'out/output.png'))).width).toBe(640);
    expect(existsSync(canary)).toBe(false);
    expect(await readdir(join(job, 'out'))).toEqual(['output.png']);
  });

  it('wraps a very long prompt and still fits the frame', async () => {
    const job = await makeJob({ ...request(9, 'word '.repeat(2000) + 'x'.repeat(500)), width: 200, height: 120 });
    await runOk('draft-image', job);
    const v = video(probe(join(job, 'out/output.png')));
    expect([v.width, v.height]).toEqual([200, 120]);
  });
});

describe('draft-video', () => {
  it.each([
    [1.3, 24],
    [0.5, 25],
  ])('renders round(%s s x %s fps) H.264 frames with a silent stereo track', async (duration, fps) => {
    const job = await makeJob({ prompt: 'A lighthouse at dusk', duration, fps, outputs: { output: 'out/output.mp4' } });
    const run = await runOk('draft-video', job);
    expect(run.progress.at(-1)).toBe(1);
    const streams = probe(join(job, 'out/output.mp4'));
    const v = video(streams);
    expect([v.width, v.height]).toEqual([320, 180]);
    expect(Number(v.nb_frames)).toBe(Math.round(duration * fps));
    const audio = streams.find((s) => s.codec_type === 'audio');
    expect(audio).toBeDefined();
    expect(Number(audio!.duration)).toBeCloseTo(Math.round(duration * fps) / fps, 1);
    expect(await readdir(join(job, 'out'))).toEqual(['output.mp4']);
  });
});

describe('tts-espeak', () => {
  it('speaks the prompt into a WAV', async () => {
    const job = await makeJob({
      prompt: 'Hello from the studio. $(echo nothing runs)',
      params: { voice: 'en', speed: 180 },
      outputs: { output: 'out/output.wav' },
    });
    await runOk('tts-espeak', job);
    const [audio] = probe(join(job, 'out/output.wav'));
    expect(audio!.codec_type).toBe('audio');
    expect(Number(audio!.duration)).toBeGreaterThan(0.3);
    expect(await readdir(join(job, 'out'))).toEqual(['output.wav']);
  });

  it('refuses an empty text and a voice that looks like an option', async () => {
    const empty = await makeJob({ prompt: '  ', outputs: { output: 'out/output.wav' } });
    expect((await runEntrypoint('tts-espeak', [empty])).code).toBe(2);
    const option = await makeJob({ prompt: 'hi', params: { voice: '--help' }, outputs: { output: 'out/output.wav' } });
    expect((await runEntrypoint('tts-espeak', [option])).code).toBe(2);
  });
});

describe('upscale-lanczos', () => {
  it('doubles a video, keeping its frames and audio', async () => {
    const job = await makeJob({ params: { scale: 2 }, outputs: { output: 'out/output.mp4' } }, { input: fixtures.mp4 });
    await runOk('upscale-lanczos', job);
    const streams = probe(join(job, 'out/output.mp4'));
    const v = video(streams);
    expect([v.width, v.height]).toEqual([640, 360]);
    expect(Number(v.nb_frames)).toBe(48);
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
  });

  it('doubles an image and keeps it an image', async () => {
    const job = await makeJob({ params: { scale: 2 }, outputs: { output: 'out/output.png' } }, { input: fixtures.png });
    await runOk('upscale-lanczos', job);
    const v = video(probe(join(job, 'out/output.png')));
    expect([v.width, v.height]).toEqual([640, 360]);
    expect((await readFile(join(job, 'out/output.png'))).subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses a scale out of range and an output of another kind', async () => {
    const big = await makeJob({ params: { scale: 9 }, outputs: { output: 'out/output.png' } }, { input: fixtures.png });
    expect((await runEntrypoint('upscale-lanczos', [big])).code).toBe(2);
    const kind = await makeJob({ outputs: { output: 'out/output.mp4' } }, { input: fixtures.png });
    expect((await runEntrypoint('upscale-lanczos', [kind])).code).toBe(2);
  });
});

describe('restore-denoise', () => {
  it.each(['hqdn3d', 'nlmeans'])('denoises a video with %s, keeping size, frames and audio', async (method) => {
    const job = await makeJob({ params: { strength: 0.7, method }, outputs: { output: 'out/output.mp4' } }, { input: fixtures.mp4 });
    await runOk('restore-denoise', job);
    const streams = probe(join(job, 'out/output.mp4'));
    const v = video(streams);
    expect([v.width, v.height]).toEqual([320, 180]);
    expect(Number(v.nb_frames)).toBe(48);
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
  });

  it('refuses a missing input', async () => {
    const job = await makeJob({ inputs: { input: 'in/nothing.mp4' }, outputs: { output: 'out/output.mp4' } });
    const run = await runEntrypoint('restore-denoise', [job]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/inputs\.input/);
  });
});
