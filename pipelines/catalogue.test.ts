// The GPU model catalogue (docs/pipeline-contract.md#quality-table): manifests, Dockerfiles, the entrypoints' argument
// handling and the SFW gate, and docker-compose.yml. Nothing here has a GPU, PyPI or the weights,
// so the entrypoints are run only as far as they go without them: every one must stop cleanly,
// having checked its request, at "weights not found".
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feedingSocket, PipelineManifest, shotSocketProblems, type Quality } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKERFILE_INSTRUCTIONS as INSTRUCTIONS, dockerInstructions, pinsOf } from '../scripts/pipeline-pins.ts';
import { isCI } from '../engine/src/testing/ci.ts';

const pipelinesDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(pipelinesDir, '..');

interface Entry {
  taskType: string;
  /** Minimum VRAM (GB) per quality served; the keys are the manifest's qualities. */
  vram: Partial<Record<Quality, number>>;
  /** Required inputs and the extension of the file a request gives each. */
  inputs: Record<string, string>;
}

const CATALOGUE: Record<string, Entry> = {
  't2v-wan2.1': { taskType: 'generate-video', vram: { high: 80 }, inputs: {} },
  'i2v-ltx': { taskType: 'image-to-video', vram: { low: 32, standard: 32, high: 48 }, inputs: { image: 'png' } },
  'a2v-fantasy-talking': { taskType: 'talking-head', vram: { low: 12, standard: 24, high: 80 }, inputs: { image: 'png', audio: 'wav' } },
  'motion-flexiact': { taskType: 'motion-transfer', vram: { low: 32, standard: 32, high: 32 }, inputs: { image: 'png' } },
  'ip-dreamo': { taskType: 'identity-image', vram: { low: 16, standard: 16, high: 24 }, inputs: { image: 'png' } },
  'faceswap-reactor': { taskType: 'face-swap', vram: { low: 8, standard: 8, high: 8 }, inputs: { image: 'png', face: 'jpg' } },
  'tts-f5': { taskType: 'text-to-speech', vram: { low: 8, standard: 8, high: 8 }, inputs: {} },
  'edit-omnigen2': { taskType: 'edit-image', vram: { low: 16, standard: 16, high: 24 }, inputs: { image: 'png' } },
  't2i-sd1.5': { taskType: 'generate-image', vram: { low: 12 }, inputs: {} },
  't2i-flux-schnell': { taskType: 'generate-image', vram: { standard: 24 }, inputs: {} },
  't2i-flux-dev-fp16': { taskType: 'generate-image', vram: { high: 24 }, inputs: {} },
  't2v-wan2.1-1.3b': { taskType: 'generate-video', vram: { low: 12, standard: 12 }, inputs: {} },
  't2v-ltx-13b': { taskType: 'generate-video', vram: { high: 48 }, inputs: {} },
  'sr-thera': { taskType: 'super-resolution', vram: { low: 8, standard: 8, high: 16 }, inputs: { input: 'png' } },
  'restore-seedvr2': { taskType: 'video-restoration', vram: { low: 80, standard: 80, high: 80 }, inputs: { input: 'mp4' } },
  'motion-depth-anything': { taskType: 'extract-motion', vram: { low: 8, standard: 8, high: 8 }, inputs: { input: 'mp4' } },
};
const IDS = Object.keys(CATALOGUE);

/**
 * The quality table of docs/pipeline-contract.md (the standard row of generate-video, which the table leaves out, goes to the 1.3B
 * model). These are the pipelines picked by quality; the other GPU pipelines of these task types
 * (t2v-wan2.1) run when a Pipeline node names them. The rule a VRAM-aware dispatcher can use:
 * among the unverified (GPU) pipelines that serve a task at a quality, the one with the smallest
 * minimum VRAM is the quality table's.
 */
const TABLE_4: [string, Quality, string, number][] = [
  ['generate-image', 'low', 't2i-sd1.5', 12],
  ['generate-image', 'standard', 't2i-flux-schnell', 24],
  ['generate-image', 'high', 't2i-flux-dev-fp16', 24],
  ['generate-video', 'low', 't2v-wan2.1-1.3b', 12],
  ['generate-video', 'standard', 't2v-wan2.1-1.3b', 12],
  ['generate-video', 'high', 't2v-ltx-13b', 48],
];

function manifestOf(id: string) {
  return PipelineManifest.parse(JSON.parse(readFileSync(join(pipelinesDir, id, 'pipeline.json'), 'utf8')));
}

function source(id: string, file: string) {
  return readFileSync(join(pipelinesDir, id, file), 'utf8');
}

describe('catalogue manifests', () => {
  it.each(IDS)('%s: parses, is an unverified docker-only GPU pipeline of its task type', (id) => {
    const m = manifestOf(id);
    const entry = CATALOGUE[id]!;
    expect(m.id).toBe(id);
    expect(m.taskType).toBe(entry.taskType);
    expect(m.verified).toBe(false);
    expect(m.gpu.required).toBe(true);
    expect(m.backends).toEqual(['docker']);
    expect(m.processCommand).toBeUndefined();
    expect(m.image).toBe(`studio/${id}:latest`);
    expect(m.command).toEqual(['python3', '/pipeline/entrypoint.py', '/job']);
    expect(m.upstream).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
    expect(m.description).toMatch(/GPU/);
    expect(m.description).toMatch(new RegExp(`/models/${id.replace('.', '\\.')}/`));
    expect(m.outputs.map((o) => o.name)).toEqual(['output']);
  });

  it.each(IDS)('%s: declares a minimum VRAM for each quality it serves, and only those', (id) => {
    const m = manifestOf(id);
    expect([...m.qualities].sort()).toEqual(Object.keys(CATALOGUE[id]!.vram).sort());
    expect(m.gpu.vramGB).toEqual(CATALOGUE[id]!.vram);
  });

  it.each(IDS)('%s: its required inputs are the ones requests give, and its params are consistent', (id) => {
    const m = manifestOf(id);
    expect(
      m.inputs
        .filter((i) => i.required)
        .map((i) => i.name)
        .sort(),
    ).toEqual(Object.keys(CATALOGUE[id]!.inputs).sort());
    for (const p of m.params) {
      if (p.min !== undefined && p.max !== undefined) expect(p.min).toBeLessThan(p.max);
      if (typeof p.default === 'number') {
        if (p.min !== undefined) expect(p.default).toBeGreaterThanOrEqual(p.min);
        if (p.max !== undefined) expect(p.default).toBeLessThanOrEqual(p.max);
      }
      if (p.type === 'enum') expect(p.options).toContain(p.default);
    }
  });

  it('feeds each image input of a Shot pipeline from a named Shot socket (source `image`, `reference` or `target`)', () => {
    const fed = (id: string) =>
      Object.fromEntries(
        manifestOf(id)
          .inputs.filter((i) => i.type === 'Image')
          .map((i) => [i.name, feedingSocket(i)]),
      );
    expect(fed('faceswap-reactor')).toEqual({ image: 'target', face: 'image' });
    expect(fed('ip-dreamo')).toEqual({ image: 'reference' });
    expect(fed('motion-flexiact')).toEqual({ image: 'target' });
    for (const id of ['i2v-ltx', 'edit-omnigen2', 'a2v-fantasy-talking']) expect(fed(id)).toEqual({ image: 'image' });
    for (const id of IDS) expect(shotSocketProblems(manifestOf(id)), id).toEqual([]);
  });

  it('only t2i-sd1.5 and tts-f5 may share a GPU', () => {
    expect(IDS.filter((id) => manifestOf(id).gpu.shareable).sort()).toEqual(['t2i-sd1.5', 'tts-f5']);
  });

  it('quality table: each pipeline it names serves exactly its qualities at its minimum VRAM', () => {
    for (const id of new Set(TABLE_4.map(([, , pipeline]) => pipeline))) {
      const rows = TABLE_4.filter(([, , pipeline]) => pipeline === id);
      const m = manifestOf(id);
      expect(m.taskType).toBe(rows[0]![0]);
      expect([...m.qualities].sort()).toEqual(rows.map(([, quality]) => quality).sort());
      for (const [, quality, , vram] of rows) expect(m.gpu.vramGB[quality], `${id} at ${quality}`).toBe(vram);
    }
  });

  it.each(TABLE_4)('quality table: %s at %s quality goes to %s (the smallest GPU pipeline that serves it)', (task, quality, id) => {
    const serving = IDS.map(manifestOf).filter((m) => m.taskType === task && m.qualities.includes(quality));
    const smallest = Math.min(...serving.map((m) => m.gpu.vramGB[quality]!));
    expect(serving.filter((m) => m.gpu.vramGB[quality] === smallest).map((m) => m.id)).toEqual([id]);
  });
});

// ---- Dockerfile lint: instructions only, continuation lines joined, comments dropped. ----

const WEIGHT_DOWNLOAD = [
  /huggingface-cli\s+download|hf\s+download|hf_hub_download|snapshot_download|modelscope\s+download/,
  /from_pretrained\(/,
  /git\s+lfs|huggingface\.co|hf\.co\//,
  /\b(wget|curl)\b[^&;|]*\.(safetensors|ckpt|pth|pt|bin|onnx|pkl|gguf)\b/,
];

describe('catalogue Dockerfiles', () => {
  it.each(IDS)('%s: passes the lint', (id) => {
    const instructions = dockerInstructions(source(id, 'Dockerfile'));
    const [from, ...rest] = instructions;
    expect(from?.keyword).toBe('FROM');
    // A pinned base: a tag or a digest, never latest.
    expect(from!.args).toMatch(/^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})( AS \w+)?$/i);
    expect(from!.args).not.toMatch(/:latest\b/);
    for (const { keyword, args } of [from!, ...rest]) {
      expect(INSTRUCTIONS.has(keyword), `unknown instruction ${keyword}`).toBe(true);
      expect(args, 'pipes a download into a shell').not.toMatch(/\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|da|z)?sh\b/);
      if (keyword === 'ADD') expect(args, 'ADD from the network').not.toMatch(/https?:\/\//);
      if (keyword !== 'RUN') expect(args, `${keyword} installs packages`).not.toMatch(/pip3? install|apt-get/);
      for (const pattern of WEIGHT_DOWNLOAD) expect(args, 'downloads model weights').not.toMatch(pattern);
    }
    // Built with pipelines/ as the context: the shared helpers on PYTHONPATH, then its own entrypoint.
    expect(instructions.filter(({ keyword }) => keyword === 'COPY').map(({ args }) => args)).toEqual([
      '_lib/ /opt/studio/lib/',
      `${id}/entrypoint.py /pipeline/entrypoint.py`,
    ]);
    expect(instructions).toContainEqual({ keyword: 'ENV', args: 'PYTHONPATH=/opt/studio/lib' });
    const cmd = instructions.filter(({ keyword }) => keyword === 'CMD').at(-1);
    expect(JSON.parse(cmd!.args)).toEqual(manifestOf(id).command);
    const env = instructions
      .filter(({ keyword }) => keyword === 'ENV')
      .map(({ args }) => args)
      .join(' ');
    expect(env).toMatch(/\bHF_HUB_OFFLINE=1\b/);
    expect(env).toMatch(/\bTRANSFORMERS_OFFLINE=1\b/);
  });

  // The clone + checkout syntax itself is scripts/pipeline-pins.test.ts's; here, which folders have what.
  const CLONING = IDS.filter((id) => /git clone/.test(source(id, 'Dockerfile')));

  it('every pipeline but the three diffusers ones and the transformers one clones its upstream', () => {
    expect(IDS.filter((id) => !CLONING.includes(id)).sort()).toEqual(['motion-depth-anything', 't2i-flux-dev-fp16', 't2i-flux-schnell', 't2i-sd1.5']);
  });

  it.each(CLONING)('%s: every git clone is pinned (a full commit after a full clone, or a tag)', (id) => {
    const pins = pinsOf(id, source(id, 'Dockerfile'));
    expect(pins.length).toBe((source(id, 'Dockerfile').match(/git clone/g) ?? []).length);
    for (const pin of pins) expect(pin.kind === 'checkout' ? /^[0-9a-f]{40}$/.test(pin.ref) : pin.ref === '24.04.01', `${pin.arg}=${pin.ref}`).toBe(true);
  });

  it.each(IDS.filter((id) => !CLONING.includes(id)))('%s: clones nothing, and pins every package it installs to an exact version', (id) => {
    const installs = dockerInstructions(source(id, 'Dockerfile')).filter(({ keyword, args }) => keyword === 'RUN' && /pip3? install/.test(args));
    expect(installs.length).toBeGreaterThan(0);
    for (const { args } of installs) {
      const packages = args
        .replace(/.*?pip3? install/, '')
        .split(/\s+/)
        .filter((w) => w && !w.startsWith('-') && !w.startsWith('http') && w !== '\\');
      expect(packages.length).toBeGreaterThan(0);
      for (const pkg of packages) expect(pkg, `${id}: ${pkg}`).toMatch(/^[\w.[\]-]+==[\w.+]+$/);
    }
  });

  it.each(IDS)('%s: SOURCES.md cites an upstream source for each VRAM figure and the timeout', (id) => {
    const m = manifestOf(id);
    const sources = source(id, 'SOURCES.md');
    for (const [quality, gb] of Object.entries(m.gpu.vramGB)) {
      const line = sources.split('\n').find((l) => l.startsWith('- ') && new RegExp(`\\b${quality}\\b[^:]*: ${gb} GB`).test(l));
      expect(line, `${id}: no line gives ${quality} ${gb} GB`).toBeDefined();
      expect(line).toMatch(/https:\/\/github\.com\//);
    }
    expect(sources).toContain(`- timeout: ${m.timeoutSeconds} s`);
  });
});

// ---- Entrypoints ----

// studio_job is pipelines/_lib/studio_job.py (standard library only).
const STDLIB = new Set(['argparse', 'inspect', 'json', 'os', 're', 'shutil', 'subprocess', 'sys', 'tempfile', 'pathlib', 'studio_job']);

describe('catalogue entrypoints: source', () => {
  it.each(IDS)('%s: takes its job helpers from studio_job and names itself to it', (id) => {
    const text = source(id, 'entrypoint.py');
    expect(text).toMatch(/^from studio_job import \(/m);
    expect(text).toContain('studio_job.use_pipeline(PIPELINE_ID)');
    expect(text).toContain(`PIPELINE_ID = "${id}"`);
  });

  it.each(IDS)('%s: imports only the standard library at module level and never uses a shell', (id) => {
    const text = source(id, 'entrypoint.py');
    for (const line of text.split('\n')) {
      const match = /^(?:import|from) ([\w.]+)/.exec(line);
      if (match) expect(STDLIB.has(match[1]!.split('.')[0]!), `${id}: ${line}`).toBe(true);
    }
    expect(text).not.toMatch(/shell\s*=\s*True|os\.system|os\.popen|pip3? install/);
  });

  it('faceswap-reactor: the SFW checks come before the face models and the write', () => {
    const text = source('faceswap-reactor', 'entrypoint.py');
    const main = text.slice(text.indexOf('def main('));
    expect(main.indexOf('classifier_dir()')).toBeGreaterThan(0);
    expect(main.indexOf('classifier_dir()')).toBeLessThan(main.indexOf('weights_dir('));
    const swap = text.slice(text.indexOf('def swap('), text.indexOf('def main('));
    expect(swap.indexOf('require_safe(source_rgb')).toBeGreaterThan(0);
    expect(swap.indexOf('require_safe(target_rgb')).toBeLessThan(swap.indexOf('import insightface'));
    expect(swap.indexOf('require_safe(result_rgb')).toBeLessThan(swap.indexOf('.save(tmp'));
    expect(text).not.toMatch(/(skip|disable|bypass)_?(sfw|nsfw|check)/i);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let scratch: string;
let noModels: string;
let jobCount = 0;

function runEntrypoint(id: string, args: string[], models = noModels): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['entrypoint.py', ...args], {
      cwd: join(pipelinesDir, id),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        LANG: 'C.UTF-8',
        STUDIO_MODELS: models,
        PYTHONPATH: join(pipelinesDir, '_lib'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A job folder with a valid request for the pipeline; `inputs: false` leaves the input files out. */
async function makeJob(id: string, request: Record<string, unknown> = {}, { inputs = true } = {}): Promise<string> {
  const dir = join(scratch, `job-${++jobCount}`);
  await mkdir(join(dir, 'in'), { recursive: true });
  await mkdir(join(dir, 'out'));
  const paths: Record<string, string> = {};
  for (const [name, ext] of Object.entries(CATALOGUE[id]!.inputs)) {
    paths[name] = `in/${name}.${ext}`;
    if (inputs) await writeFile(join(dir, paths[name]), 'not decoded before the weights are found');
  }
  const full = {
    job_id: `test-${jobCount}`,
    pipeline: id,
    task_type: CATALOGUE[id]!.taskType,
    quality: 'standard',
    seed: 1234,
    prompt: 'A lighthouse at dusk, waves below',
    negative_prompt: '',
    params: {},
    width: 1280,
    height: 720,
    aspect_ratio: '16:9',
    fps: 24,
    duration: 4,
    inputs: paths,
    outputs: { output: `out/output.${manifestOf(id).outputs[0]!.extension}` },
    ...request,
  };
  await writeFile(join(dir, 'request.json'), JSON.stringify(full, null, 2));
  return dir;
}

async function expectNothingWritten(job: string) {
  expect(await readdir(join(job, 'out'))).toEqual([]);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-catalogue-'));
  noModels = join(scratch, 'models-empty');
  await mkdir(noModels);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('catalogue entrypoints: argument handling', () => {
  it.each(IDS)('%s: exits 2 without a job folder, request.json or valid JSON', async (id) => {
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

    await writeFile(join(empty, 'request.json'), '["not", "an", "object"]');
    expect((await runEntrypoint(id, [empty])).code).toBe(2);
    await expectNothingWritten(empty);
  });

  it.each(IDS)('%s: refuses an output path outside out/', async (id) => {
    const job = await makeJob(id, { outputs: { output: '../escape.bin' } });
    const run = await runEntrypoint(id, [job]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/outputs\.output/);
    await expectNothingWritten(job);
  });

  it.each(IDS.filter((id) => Object.keys(CATALOGUE[id]!.inputs).length))('%s: exits 2 naming a required input that is missing', async (id) => {
    for (const name of Object.keys(CATALOGUE[id]!.inputs)) {
      const job = await makeJob(id, {}, { inputs: false });
      const run = await runEntrypoint(id, [job]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/request\.inputs\.\w+ not found/);
      const absent = await makeJob(id);
      const request = JSON.parse(readFileSync(join(absent, 'request.json'), 'utf8')) as { inputs: Record<string, string> };
      delete request.inputs[name];
      await writeFile(join(absent, 'request.json'), JSON.stringify(request));
      const gone = await runEntrypoint(id, [absent]);
      expect(gone.code).toBe(2);
      expect(gone.stderr).toContain(`inputs.${name}`);
      await expectNothingWritten(job);
      await expectNothingWritten(absent);
    }
  });

  it.each(IDS)('%s: checks its params against the manifest before looking for weights', async (id) => {
    const params = manifestOf(id).params;
    // Every bound and option the manifest offers is accepted...
    for (const pick of ['min', 'max'] as const) {
      const values: Record<string, number | string> = {};
      for (const p of params) {
        const value = p.type === 'enum' ? p.options?.at(pick === 'min' ? 0 : -1) : p[pick];
        if (value !== undefined) values[p.name] = value;
      }
      const run = await runEntrypoint(id, [await makeJob(id, { params: values })]);
      expect(run.stderr, JSON.stringify(values)).not.toMatch(/ must /);
      expect(run.code).toBe(id === 'faceswap-reactor' ? 3 : 2);
    }
    // ...and a value beyond them is refused, naming the param.
    for (const p of params) {
      const bad = p.type === 'enum' ? 'not-an-option' : p.max !== undefined ? p.max + 1 : p.type === 'boolean' ? 'yes' : null;
      if (bad === null) continue;
      const job = await makeJob(id, { params: { [p.name]: bad } });
      const run = await runEntrypoint(id, [job]);
      expect(run.code, `${p.name}=${bad}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(p.name);
      expect(run.stderr).not.toMatch(/weights not found/);
      await expectNothingWritten(job);
    }
  });

  it.each(IDS.filter((id) => id !== 'faceswap-reactor'))('%s: a valid request stops at "weights not found" and writes nothing', async (id) => {
    for (const quality of ['low', 'standard', 'high']) {
      const job = await makeJob(id, { quality });
      const run = await runEntrypoint(id, [job]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/weights not found at /);
      expect(run.stderr).toContain(join(noModels, id));
      await expectNothingWritten(job);
    }
  });
});

/** Calls a function of an entrypoint (they import only the standard library at module level). */
function callEntrypoint(id: string, code: string): unknown {
  const script = `import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("entrypoint", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
${code}`;
  return JSON.parse(
    execFileSync('python3', ['-c', script, join(pipelinesDir, id, 'entrypoint.py')], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: join(pipelinesDir, '_lib') },
    }),
  );
}

describe('catalogue entrypoints: fixes found by reading them against upstream', () => {
  it('ip-dreamo keeps the request’s aspect ratio (16:9 is not squeezed to 1024x768)', () => {
    const sizes = callEntrypoint(
      'ip-dreamo',
      'print(json.dumps([m.frame_size(1280, 720), m.frame_size(720, 1280), m.frame_size(1024, 1024), m.frame_size(2560, 1080)]))',
    );
    expect(sizes).toEqual([
      [1024, 576],
      [576, 1024],
      [1024, 1024],
      [1024, 432],
    ]);
  });

  it('ip-dreamo builds a writable models/ of per-file links, so huggingface_hub can lock inside .cache/', async () => {
    const weights = join(scratch, 'dreamo-weights');
    await mkdir(join(weights, 'black-forest-labs', 'FLUX.1-dev', 'transformer'), { recursive: true });
    await mkdir(join(weights, '.cache', 'huggingface', 'download'), { recursive: true });
    await writeFile(join(weights, 'black-forest-labs', 'FLUX.1-dev', 'transformer', 'model.safetensors'), 'weights');
    await writeFile(join(weights, '.cache', 'huggingface', 'download', 'model.safetensors.metadata'), 'meta');
    execFileSync('chmod', ['-R', 'a-w', weights]);
    const target = join(scratch, 'dreamo-cwd', 'models');
    const result = callEntrypoint(
      'ip-dreamo',
      `from pathlib import Path
import os
m.writable_models(Path(sys.argv[2]), Path(sys.argv[3]))
t = Path(sys.argv[3])
lock = t / ".cache" / "huggingface" / "download" / "model.safetensors.lock"
lock.write_text("")
print(json.dumps({
  "models_is_dir": t.is_dir() and not t.is_symlink(),
  "weight_link": os.readlink(t / "black-forest-labs" / "FLUX.1-dev" / "transformer" / "model.safetensors"),
  "metadata_copied": not (t / ".cache" / "huggingface" / "download" / "model.safetensors.metadata").is_symlink(),
  "locked": lock.exists(),
}))`
        .replace('sys.argv[2]', `"${weights}"`)
        .replace(/sys\.argv\[3\]/g, `"${target}"`),
    );
    execFileSync('chmod', ['-R', 'u+w', weights]);
    expect(result).toEqual({
      models_is_dir: true,
      weight_link: join(weights, 'black-forest-labs', 'FLUX.1-dev', 'transformer', 'model.safetensors'),
      metadata_copied: true,
      locked: true,
    });
  });

  it('motion-flexiact names its output safely whatever the prompt says', () => {
    const caption = callEntrypoint(
      'motion-flexiact',
      `seen = {}
def save_output(**kwargs):
    seen.update(kwargs)
    return "ok"
m.safe_named(save_output)(pipe=None, pipeline_args={}, caption="a/b ../../etc", device="cuda", seed=1, output_dir="out")
print(json.dumps(seen["caption"]))`,
    );
    expect(caption).toBe('flexiact');
  });

  it('restore-seedvr2 caps the short side per quality and cuts clips into chunks of at most 100 frames', () => {
    const result = callEntrypoint(
      'restore-seedvr2',
      `print(json.dumps({
  "sizes": [m.capped_size(1920, 1080, m.SHORT_SIDE_CAP[q]) for q in ("low", "standard", "high")],
  "small": m.capped_size(640, 368, 720),
  "chunks": m.chunk_ranges(250, m.CHUNK_FRAMES),
  "unknown": m.chunk_ranges(0, m.CHUNK_FRAMES),
  "weights": list(m.WEIGHT_FILES),
}))`,
    );
    expect(result).toEqual({
      sizes: [
        [848, 480],
        [1280, 720],
        [1280, 720],
      ],
      small: [640, 368],
      chunks: [
        [0, 100],
        [100, 200],
        [200, 250],
      ],
      unknown: [[0, null]],
      // pos_emb.pt and neg_emb.pt ship in the repository; the image keeps them.
      weights: ['seedvr2_ema_3b.pth', 'ema_vae.pth'],
    });
  });

  it('restore-seedvr2 installs PyAV and leaves the repository’s own embeddings alone', () => {
    const run = dockerInstructions(source('restore-seedvr2', 'Dockerfile'))
      .filter(({ keyword }) => keyword === 'RUN')
      .map(({ args }) => args)
      .join('\n');
    expect(run).toMatch(/pip3 install av==12\.0\.0/);
    expect(run).not.toMatch(/ln -sf? \S+ \/opt\/SeedVR\/(pos|neg)_emb\.pt/);
  });

  it('ip-dreamo installs the torch upstream pins at its commit', () => {
    expect(source('ip-dreamo', 'Dockerfile')).toMatch(/^RUN pip3 install torch==2\.6\.0 torchvision==0\.21\.0 /m);
  });
});

describe('catalogue entrypoints: the result line (peak VRAM and wall time)', () => {
  /** A test double for nvidia-smi (there is no GPU here): prints the next reading of `readings` per call, logging its arguments. */
  async function fakeNvidiaSmi(readings: number[]): Promise<{ bin: string; log: string }> {
    const bin = join(scratch, `fake-smi-${++jobCount}`);
    await mkdir(bin, { recursive: true });
    const state = join(bin, 'calls');
    const log = join(bin, 'args');
    await writeFile(
      join(bin, 'nvidia-smi'),
      `#!/bin/sh\n# Test double: a GPU whose used memory follows a script.\necho "$*" >> ${log}\nn=$(cat ${state} 2>/dev/null || echo 0)\necho $((n + 1)) > ${state}\nset -- ${readings.join(' ')}\nshift $((n < $# ? n : $# - 1))\necho "$1"\n`,
      { mode: 0o755 },
    );
    return { bin, log };
  }

  const measure = (id: string, env: Record<string, string>) =>
    callEntrypoint(
      id,
      `import time, os
os.environ.update(json.loads(sys.argv[2]))
meter = m.Meter(interval=0.02)
time.sleep(0.6)
print(json.dumps(meter.result()))`.replace('sys.argv[2]', JSON.stringify(JSON.stringify(env))),
    ) as { peak_vram_mb: number | null; wall_s: number; vram_source: string | null };

  it.each(IDS)('%s: reports the peak VRAM it used above what the GPU held when it started', async (id) => {
    const smi = await fakeNvidiaSmi([1000, 4000, 21000, 9000]);
    const result = measure(id, { PATH: `${smi.bin}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: '1' });
    expect(result).toMatchObject({ peak_vram_mb: 20000, vram_source: 'nvidia-smi' });
    expect(result.wall_s).toBeGreaterThanOrEqual(0.5);
    // Only the GPU the job holds is read.
    expect(readFileSync(smi.log, 'utf8').split('\n')[0]).toBe('--query-gpu=memory.used --format=csv,noheader,nounits -i 1');
  });

  it('reports no peak (not zero) where no GPU can be read', () => {
    expect(measure('t2i-sd1.5', { PATH: '/usr/bin:/bin' })).toMatchObject({ peak_vram_mb: null, vram_source: null });
  });

  it.each(IDS)('%s: prints the result line before it says done', (id) => {
    const main = source(id, 'entrypoint.py').slice(source(id, 'entrypoint.py').indexOf('def main('));
    expect(main.indexOf('meter = Meter()')).toBeGreaterThan(0);
    expect(main.indexOf('meter = Meter()')).toBeLessThan(main.indexOf('scratch_paths(out)'));
    expect(main.indexOf('meter.report()')).toBeLessThan(main.indexOf('progress(1.0, "done")'));
    expect(main.indexOf('meter.report()')).toBeGreaterThan(main.indexOf('os.replace('));
  });
});

describe('faceswap-reactor: SFW gate', () => {
  const id = 'faceswap-reactor';
  const classifier = ['config.json', 'model.safetensors', 'preprocessor_config.json'].map((f) => `faceswap-reactor/nsfw_detector/vit-base-nsfw-detector/${f}`);
  const swapper = ['faceswap-reactor/insightface/inswapper_128.onnx', 'faceswap-reactor/insightface/models/buffalo_l/det_10g.onnx'];

  async function modelsWith(files: string[]): Promise<string> {
    const dir = join(scratch, `models-${++jobCount}`);
    for (const file of files) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), 'not a real model');
    }
    await mkdir(dir, { recursive: true });
    return dir;
  }

  function errorLine(stdout: string): string {
    const line = stdout.split('\n').find((l) => l.startsWith('{"error"'));
    expect(line, stdout).toBeDefined();
    return (JSON.parse(line!) as { error: string }).error;
  }

  it('refuses (exit 3) when the classifier weights are missing, before anything else', async () => {
    const job = await makeJob(id);
    const run = await runEntrypoint(id, [job]);
    expect(run.code).toBe(3);
    expect(errorLine(run.stdout)).toMatch(/SFW check unavailable: classifier weights not found/);
    await expectNothingWritten(job);
  });

  it('with the classifier but not the face models, stops at "weights not found"', async () => {
    const job = await makeJob(id);
    const run = await runEntrypoint(id, [job], await modelsWith(classifier));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/weights not found at .*insightface/);
    await expectNothingWritten(job);
  });

  it('refuses (exit 3) when the classifier cannot load or run, never swapping without it', async () => {
    const job = await makeJob(id);
    const run = await runEntrypoint(id, [job], await modelsWith([...classifier, ...swapper]));
    expect(run.code).toBe(3);
    expect(errorLine(run.stdout)).toMatch(/SFW check/);
    await expectNothingWritten(job);
  });
});

// ---- docker-compose.yml: no YAML parser here, so structural checks on its lines. ----

describe('docker-compose.yml', () => {
  const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');

  /** The lines of a top-level section's child block (`  name:` up to the next line indented as little). */
  function block(name: string, indent = '  '): string {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l === `${indent}${name}:`);
    expect(start, `no ${name}`).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && !l.trimStart().startsWith('#') && l.length - l.trimStart().length <= indent.length);
    return lines.slice(start, end === -1 ? undefined : end).join('\n');
  }

  it('is tab-free YAML with services redis, engine and gpu-worker', () => {
    expect(text).not.toMatch(/\t/);
    expect(text).toMatch(/^services:$/m);
    const services = block('services', '');
    for (const name of ['redis', 'engine', 'gpu-worker']) expect(services).toMatch(new RegExp(`^  ${name}:$`, 'm'));
  });

  it('redis keeps an append-only file on a volume', () => {
    const redis = block('redis');
    expect(redis).toMatch(/image: redis:7\b/);
    expect(redis).toMatch(/--appendonly", "yes"/);
    expect(redis).toMatch(/- redis-data:\/data/);
    expect(block('volumes', '')).toMatch(/^  redis-data:$/m);
  });

  it('the engine serves on 7860 beyond loopback, uses that Redis and no worker of its own, and sees Docker', () => {
    const engine = block('engine');
    expect(engine).toMatch(/command: \["npm", "start"\]/);
    expect(engine).toMatch(/HOST: 0\.0\.0\.0/);
    expect(engine).toMatch(/REDIS_URL: redis:\/\/redis:6379/);
    expect(engine).toMatch(/STUDIO_LOCAL_WORKER: "0"/);
    expect(engine).toMatch(/STUDIO_HOME: \$\{STUDIO_WORKSPACE:-\/workspace\}/);
    expect(engine).toMatch(/- "7860:7860"/);
    expect(engine).toMatch(/- \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
    expect(readFileSync(join(repoRoot, 'docker/studio.Dockerfile'), 'utf8')).toMatch(/^FROM node:20-bookworm$/m);
  });

  it('the gpu-worker shares the workspace, mounts the models read-only and reserves the NVIDIA GPUs', () => {
    const worker = block('gpu-worker');
    expect(worker).toMatch(/command: \["npm", "run", "worker"\]/);
    for (const env of [
      'REDIS_URL: redis://redis:6379',
      'STUDIO_HOME: ${STUDIO_WORKSPACE:-/workspace}',
      'STUDIO_MODELS: ${STUDIO_MODELS_DIR:-/models}',
      'WORKER_VRAM_GB:',
      'WORKER_GPUS:',
    ])
      expect(worker).toContain(env);
    // The worker detects its GPUs unless told: no VRAM figure is baked in.
    expect(worker).toContain('WORKER_VRAM_GB: ${WORKER_VRAM_GB:-}');
    expect(worker).toContain('WORKER_GPUS: ${WORKER_GPUS:-all}');
    expect(worker).toContain('- ${STUDIO_WORKSPACE:-/workspace}:${STUDIO_WORKSPACE:-/workspace}');
    expect(block('engine')).toContain('- ${STUDIO_WORKSPACE:-/workspace}:${STUDIO_WORKSPACE:-/workspace}');
    expect(worker).toContain('- ${STUDIO_MODELS_DIR:-/models}:${STUDIO_MODELS_DIR:-/models}:ro');
    expect(worker).toMatch(/- \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
    expect(worker).toMatch(/deploy:\n\s+resources:\n\s+reservations:\n\s+devices:\n\s+- driver: nvidia\n\s+count: all\n\s+capabilities: \[gpu\]/);
  });

  // Debian's docker-compose (installed by scripts/bootstrap) or the compose plugin, whichever is here.
  const compose = (() => {
    for (const command of [['docker', 'compose'], ['docker-compose']]) {
      try {
        execFileSync(command[0]!, [...command.slice(1), 'version'], { stdio: 'ignore' });
        return command;
      } catch {
        // try the next
      }
    }
    return null;
  })();

  it('passes `docker compose config`', (ctx) => {
    if (!compose) {
      if (isCI()) throw new Error('docker-compose is required in CI (scripts/bootstrap installs it)');
      return ctx.skip();
    }
    // config exits non-zero on an invalid file; its output is the file as compose resolved it.
    const resolved = execFileSync(compose[0]!, [...compose.slice(1), '-f', join(repoRoot, 'docker-compose.yml'), 'config'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, STUDIO_WORKSPACE: '/srv/studio', STUDIO_MODELS_DIR: '/srv/models' },
    });
    for (const service of ['redis', 'engine', 'gpu-worker']) expect(resolved).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    expect(resolved).toContain('STUDIO_HOME: /srv/studio');
    // The models mount read-only, in compose v1's short form or v2's long one.
    expect(resolved).toMatch(/- \/srv\/models:\/srv\/models:ro|source: \/srv\/models\n\s+target: \/srv\/models\n\s+read_only: true/);
    expect(resolved).toMatch(/driver: nvidia/);
  });
});
