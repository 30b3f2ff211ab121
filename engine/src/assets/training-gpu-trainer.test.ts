// The GPU LoRA trainer wrapper (pipelines/_lib/gpu_lora_trainer.py) on the job folder the engine
// makes for a FLUX run (kohya sd-scripts) and a Wan 2.1 run (musubi-tuner). Neither can run here (no
// GPU, weights or PyPI): test doubles written from sd-scripts at 48d368fa and musubi-tuner at
// 30c658c4 take their place (engine/src/testing/trainer-doubles/). They behave as the trainers do
// where the wrapper depends on it: output folder names, the step count and epochs on resume, the
// caches musubi trains from, its strict flags, tqdm on stderr, SIGINT.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainJobData } from '@studio/node-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { referenceImage } from '../testing/asset-fixture.ts';
import { trainingBase } from './presets.ts';
import { makeTrainingJobFolder } from './training-job-folder.ts';

const DOUBLES = join(REPO_ROOT, 'engine/src/testing/trainer-doubles');
const catalogue = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]);

interface Trainer {
  base: 'flux1-dev' | 'wan21';
  pipeline: string;
  /** What the pipeline's Dockerfile sets, with the double where the trainer would be. */
  env: Record<string, string>;
  modelFlags: string[];
  /** The commands a run makes before it trains (musubi's caches). */
  caching: number;
}
const FLUX_FLAGS = [
  '--pretrained_model_name_or_path',
  '/models/flux1-dev.safetensors',
  '--clip_l',
  '/models/clip_l.safetensors',
  '--t5xxl',
  '/models/t5xxl.safetensors',
  '--ae',
  '/models/ae.safetensors',
];
const WAN_FLAGS = ['--task', 't2v-14B', '--dit', '/models/wan2.1_t2v_14B_bf16.safetensors', '--vae', '/models/Wan2.1_VAE.pth', '--t5', '/models/umt5-xxl.pth'];
const TRAINERS: Trainer[] = [
  {
    base: 'flux1-dev',
    pipeline: 'train-lora-flux',
    env: { STUDIO_TRAINER: 'train_network.py', STUDIO_TRAINER_REPO: join(DOUBLES, 'sd-scripts'), STUDIO_MODEL_FLAGS: JSON.stringify(FLUX_FLAGS) },
    modelFlags: FLUX_FLAGS,
    caching: 0,
  },
  {
    base: 'wan21',
    pipeline: 'train-lora-wan21',
    env: {
      STUDIO_TRAINER: 'wan_train_network.py',
      STUDIO_TRAINER_REPO: join(DOUBLES, 'musubi-tuner'),
      STUDIO_TRAINER_KIND: 'musubi-wan',
      STUDIO_MODEL_FLAGS: JSON.stringify(WAN_FLAGS),
    },
    modelFlags: WAN_FLAGS,
    caching: 2,
  },
];
let scratch: string;
let libraryRoot: string;
let images: TrainJobData['images'];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-gpu-trainer-'));
  libraryRoot = join(scratch, 'library');
  await mkdir(join(libraryRoot, 'kira', 'images'), { recursive: true });
  images = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const bytes = await referenceImage(i, 64);
      await writeFile(join(libraryRoot, 'kira', 'images', `Ref ${i}.PNG`), bytes);
      return { id: `img${i}`, file: `images/Ref ${i}.PNG`, sha256: createHash('sha256').update(bytes).digest('hex'), caption: `photo of kiravale, pose ${i}` };
    }),
  );
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const jobData = (trainer: Trainer): TrainJobData => ({
  assetId: 'kira',
  assetName: 'Kira Vale',
  triggerWord: 'kiravale',
  base: trainer.base,
  preset: '16gb',
  pipelineId: trainer.pipeline,
  params: { rank: 4, alpha: 4, lr: 8e-4, steps: 12, resolution: 512, batch: 2, seed: 42 },
  images,
  resumeFrom: null,
  checkpointEvery: 4,
  sampleEvery: 4,
  stepDelayS: 0,
  vramGB: 16,
  requestedAt: new Date().toISOString(),
});

let n = 0;
async function jobFolder(trainer: Trainer) {
  const taskDir = join(scratch, `task-${++n}`);
  await mkdir(taskDir, { recursive: true });
  return makeTrainingJobFolder({
    libraryRoot,
    data: jobData(trainer),
    pipeline: catalogue.get(trainer.pipeline),
    taskId: `train-${n}`,
    taskDir,
    runDir: join(taskDir, 'run'),
  });
}

interface Ran {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  argv: string[][];
}

/** The image's entrypoint on the host, with the double where sd-scripts would be; `until` may act on each progress line. */
function runTrainer(trainer: Trainer, dir: string, env: Record<string, string> = {}, until?: (line: Record<string, unknown>) => void): Promise<Ran> {
  const argvLog = join(dir, '..', `argv-${++n}.jsonl`);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(REPO_ROOT, 'pipelines', trainer.pipeline, 'entrypoint.py'), dir], {
      detached: true,
      env: { PATH: `${DOUBLES}:/usr/bin:/bin`, PYTHONPATH: join(REPO_ROOT, 'pipelines/_lib'), DOUBLE_ARGV_LOG: argvLog, ...trainer.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let rest = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const part of parts) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        until?.(line);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', async (code) => {
      if (code !== 0 && code !== 3 && !lines.some((l) => l.error)) return reject(new Error(`the wrapper exited ${code}: ${stderr.slice(-2000)}`));
      const argv = existsSync(argvLog)
        ? (await readFile(argvLog, 'utf8'))
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as string[])
        : [];
      resolve({ code, lines, argv });
    });
  });
}

const flagValue = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];
const phases = (ran: Ran, phase: string) => ran.lines.filter((l) => l.phase === phase).map((l) => l.train_step);

it('gives a GPU trainer the images with their captions and the preset’s own flags', async () => {
  const folder = await jobFolder(TRAINERS[0]!);
  const files = (await readdir(join(folder.dir, 'in', 'images'))).sort();
  expect(files).toHaveLength(12);
  expect(files.filter((f) => f.endsWith('.png'))).toEqual(images.map((image, i) => `00${i + 1}_${image.sha256.slice(0, 8)}.png`));
  expect(await readFile(join(folder.dir, 'in', 'images', files[1]!), 'utf8')).toBe('photo of kiravale, pose 0\n');
  const preset = trainingBase('flux1-dev').presets.find((p) => p.id === '16gb')!;
  expect(folder.request.params).toMatchObject({ args: preset.args, optimizer: 'adafactor', trigger_word: 'kiravale', checkpoint_every: 4 });
  const index = JSON.parse(await readFile(join(folder.dir, folder.request.inputs.dataset!), 'utf8'));
  expect(index).toHaveLength(6);
  expect(index[0]).toEqual({ image: `images/${files[0]}`, caption: 'photo of kiravale, pose 0', sha256: images[0]!.sha256 });
});

describe.each(TRAINERS)('the GPU LoRA trainer wrapper for $pipeline, against its trainer’s test double', (trainer) => {
  it('trains, relaying steps, losses, checkpoints and samples by our count, and leaves the LoRA in out/ and no state', async () => {
    const folder = await jobFolder(trainer);
    const ran = await runTrainer(trainer, folder.dir);
    expect(ran.code).toBe(0);
    expect(ran.argv).toHaveLength(trainer.caching + 1);
    const argv = ran.argv.at(-1)!;
    expect(argv.slice(0, trainer.modelFlags.length)).toEqual(trainer.modelFlags);
    expect(flagValue(argv, '--output_dir')).toBe(join(folder.dir, 'state'));
    expect(flagValue(argv, '--max_train_steps')).toBe('12');
    expect(argv).not.toContain('--resume');
    // The preset's flags come through once, its optimizer among them.
    expect(argv.filter((a) => a === '--optimizer_type')).toHaveLength(1);
    expect(argv).toContain('--fp8_base');
    expect(ran.lines[0]).toMatchObject({ phase: 'loading' });
    expect(phases(ran, 'caching')).toHaveLength(1);
    expect(phases(ran, 'training').at(-1)).toBe(12);
    expect(ran.lines.filter((l) => l.phase === 'training').every((l) => typeof l.loss === 'number')).toBe(true);
    expect(phases(ran, 'checkpoint')).toEqual([4, 8, 12]);
    expect(phases(ran, 'sample')).toEqual([4, 8, 12]);
    expect(await readFile(join(folder.dir, 'out', 'samples', 'step_000008.png'))).toBeTruthy();
    expect(await readFile(join(folder.dir, 'out', 'lora.safetensors'), 'utf8')).toBe('double LoRA at step 12');
    expect(await readdir(join(folder.dir, 'state'))).toEqual([]);
    const log = JSON.parse(await readFile(join(folder.dir, 'out', 'train_log.json'), 'utf8'));
    expect(log).toMatchObject({ steps: 12, resumed_from: 0 });
    expect(log.samples.map((s: { step: number }) => s.step)).toEqual([4, 8, 12]);
    // One point a step, with that step's loss: the bar is drawn twice a step, first still with the last step's loss.
    expect(log.curve.map((p: [number, number]) => p[0])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(log.curve[2]).toEqual([3, 0.25]);
  });

  it('a cancelled run resumes from its last checkpoint, counting on from it, and trains exactly the steps left', async () => {
    const folder = await jobFolder(trainer);
    const cancel = join(folder.dir, 'cancel');
    const first = await runTrainer(trainer, folder.dir, { DOUBLE_STEP_S: '0.15' }, (line) => {
      if (line.phase === 'checkpoint' && line.train_step === 4) void writeFile(cancel, 'cancelled by the test\n');
    });
    expect(first.code).toBe(3);
    expect(first.lines.at(-1)).toEqual({ error: 'cancelled' });
    expect(JSON.parse(await readFile(join(folder.dir, 'state', 'resume.json'), 'utf8'))).toEqual({ state: 'step00000004-state', step: 4 });
    const cancelledAt = phases(first, 'training').at(-1) as number;
    expect(cancelledAt).toBeGreaterThanOrEqual(5);
    expect(cancelledAt).toBeLessThan(12);

    // The next attempt, as the engine makes it: the same state/, a fresh out/.
    await rm(cancel);
    await rm(join(folder.dir, 'out'), { recursive: true });
    await mkdir(join(folder.dir, 'out'));
    const second = await runTrainer(trainer, folder.dir);
    expect(second.code).toBe(0);
    const argv = second.argv.at(-1)!;
    expect(flagValue(argv, '--resume')).toBe(join(folder.dir, 'state', 'step00000004-state'));
    expect(flagValue(argv, '--max_train_steps')).toBe('8');
    // sd-scripts would otherwise start at the epoch step 4 falls in, of the epochs 8 steps make; musubi-tuner has no such flag.
    if (trainer.caching) expect(argv).not.toContain('--initial_step');
    else expect(flagValue(argv, '--initial_step')).toBe('0');
    expect(phases(second, 'resumed')).toEqual([4]);
    const steps = phases(second, 'training') as number[];
    expect(steps[0]).toBeGreaterThan(4);
    expect(steps.at(-1)).toBe(12);
    expect(phases(second, 'checkpoint')).toEqual([8, 12]);
    expect(phases(second, 'sample')).toEqual([8, 12]);
    expect(await readFile(join(folder.dir, 'out', 'lora.safetensors'), 'utf8')).toBe('double LoRA at step 8');
    expect(JSON.parse(await readFile(join(folder.dir, 'out', 'train_log.json'), 'utf8'))).toMatchObject({ steps: 12, resumed_from: 4 });
  }, 30_000);

  it('fails with the trainer’s own error, and an attempt killed mid-save leaves nothing the next one trusts', async () => {
    const folder = await jobFolder(trainer);
    const failed = await runTrainer(trainer, folder.dir, { DOUBLE_FAIL_AT: '6' });
    expect(failed.code).toBe(1);
    expect(String(failed.lines.at(-1)!.error)).toMatch(
      new RegExp(`^${trainer.env.STUDIO_TRAINER!.replace('.', '\\.')} exited with code 1: torch.OutOfMemoryError: CUDA out of memory`),
    );
    // Step 4 was complete (the bar moved on to 5): it is the checkpoint.
    expect(JSON.parse(await readFile(join(folder.dir, 'state', 'resume.json'), 'utf8'))).toMatchObject({ step: 4 });
    // A folder the trainer was still writing when the attempt died, by its own count.
    await mkdir(join(folder.dir, 'state', 'lora-step00000002-state'));
    const next = await runTrainer(trainer, folder.dir);
    expect(next.code).toBe(0);
    expect(phases(next, 'checkpoint')).toEqual([8, 12]);
  });
});
