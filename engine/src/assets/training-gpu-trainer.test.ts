// The GPU LoRA trainer wrapper (pipelines/_lib/gpu_lora_trainer.py) on the job folder the engine
// makes for a FLUX run. sd-scripts cannot run here (no GPU, weights or PyPI): its place is taken by
// a test double written from sd-scripts at 48d368fa (engine/src/testing/sd-scripts-double/), which
// behaves as sd-scripts does where the wrapper depends on it: its output folder names, its restart
// of the step count and its epoch skip on resume, tqdm on stderr, SIGINT.
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

const DOUBLE = join(REPO_ROOT, 'engine/src/testing/sd-scripts-double');
const flux = new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]).get('train-lora-flux');
const MODEL_FLAGS = [
  '--pretrained_model_name_or_path',
  '/models/flux1-dev.safetensors',
  '--clip_l',
  '/models/clip_l.safetensors',
  '--t5xxl',
  '/models/t5xxl.safetensors',
  '--ae',
  '/models/ae.safetensors',
];
let scratch: string;
let libraryRoot: string;
let data: TrainJobData;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-gpu-trainer-'));
  libraryRoot = join(scratch, 'library');
  await mkdir(join(libraryRoot, 'kira', 'images'), { recursive: true });
  const images = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const bytes = await referenceImage(i, 64);
      await writeFile(join(libraryRoot, 'kira', 'images', `Ref ${i}.PNG`), bytes);
      return { id: `img${i}`, file: `images/Ref ${i}.PNG`, sha256: createHash('sha256').update(bytes).digest('hex'), caption: `photo of kiravale, pose ${i}` };
    }),
  );
  data = {
    assetId: 'kira',
    assetName: 'Kira Vale',
    triggerWord: 'kiravale',
    base: 'flux1-dev',
    preset: '16gb',
    pipelineId: 'train-lora-flux',
    params: { rank: 4, alpha: 4, lr: 8e-4, steps: 12, resolution: 512, batch: 2, seed: 42 },
    images,
    resumeFrom: null,
    checkpointEvery: 4,
    sampleEvery: 4,
    stepDelayS: 0,
    vramGB: 16,
    requestedAt: new Date().toISOString(),
  };
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let n = 0;
async function jobFolder() {
  const taskDir = join(scratch, `task-${++n}`);
  await mkdir(taskDir, { recursive: true });
  return makeTrainingJobFolder({ libraryRoot, data, pipeline: flux, taskId: `train-${n}`, taskDir, runDir: join(taskDir, 'run') });
}

interface Ran {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  argv: string[][];
}

/** The image's entrypoint on the host, with the double where sd-scripts would be; `until` may act on each progress line. */
function runTrainer(dir: string, env: Record<string, string> = {}, until?: (line: Record<string, unknown>) => void): Promise<Ran> {
  const argvLog = join(dir, '..', `argv-${++n}.jsonl`);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(REPO_ROOT, 'pipelines/train-lora-flux/entrypoint.py'), dir], {
      detached: true,
      env: {
        PATH: `${DOUBLE}:/usr/bin:/bin`,
        PYTHONPATH: join(REPO_ROOT, 'pipelines/_lib'),
        STUDIO_TRAINER: 'train_network.py',
        STUDIO_TRAINER_REPO: DOUBLE,
        STUDIO_MODEL_FLAGS: JSON.stringify(MODEL_FLAGS),
        DOUBLE_ARGV_LOG: argvLog,
        ...env,
      },
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

describe('the GPU LoRA trainer wrapper, on the engine’s job folder, against a test double of sd-scripts', () => {
  it('gets the images with their captions and the preset’s own flags from the engine', async () => {
    const folder = await jobFolder();
    const files = (await readdir(join(folder.dir, 'in', 'images'))).sort();
    expect(files).toHaveLength(12);
    expect(files.filter((f) => f.endsWith('.png'))).toEqual(data.images.map((image, i) => `00${i + 1}_${image.sha256.slice(0, 8)}.png`));
    expect(await readFile(join(folder.dir, 'in', 'images', files[1]!), 'utf8')).toBe('photo of kiravale, pose 0\n');
    const preset = trainingBase('flux1-dev').presets.find((p) => p.id === '16gb')!;
    expect(folder.request.params).toMatchObject({ args: preset.args, optimizer: 'adafactor', trigger_word: 'kiravale', checkpoint_every: 4 });
    const index = JSON.parse(await readFile(join(folder.dir, folder.request.inputs.dataset!), 'utf8'));
    expect(index).toHaveLength(6);
    expect(index[0]).toEqual({ image: files[0] && `images/${files[0]}`, caption: 'photo of kiravale, pose 0', sha256: data.images[0]!.sha256 });
  });

  it('trains, relaying steps, losses, checkpoints and samples by our count, and leaves the LoRA in out/ and no state', async () => {
    const folder = await jobFolder();
    const ran = await runTrainer(folder.dir);
    expect(ran.code).toBe(0);
    const [argv] = ran.argv;
    expect(argv!.slice(0, 8)).toEqual(MODEL_FLAGS);
    expect(flagValue(argv!, '--output_dir')).toBe(join(folder.dir, 'state'));
    expect(flagValue(argv!, '--max_train_steps')).toBe('12');
    expect(argv).not.toContain('--resume');
    // The preset's flags come through once, its optimizer among them.
    expect(argv!.filter((a) => a === '--optimizer_type')).toHaveLength(1);
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
  });

  it('a cancelled run resumes from its last checkpoint, counting on from it, and trains exactly the steps left', async () => {
    const folder = await jobFolder();
    const cancel = join(folder.dir, 'cancel');
    const first = await runTrainer(folder.dir, { DOUBLE_STEP_S: '0.15' }, (line) => {
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
    const second = await runTrainer(folder.dir);
    expect(second.code).toBe(0);
    const [argv] = second.argv;
    expect(flagValue(argv!, '--resume')).toBe(join(folder.dir, 'state', 'step00000004-state'));
    // Without --initial_step 0, sd-scripts would start at the epoch step 4 falls in, of the epochs 8 steps make.
    expect(flagValue(argv!, '--initial_step')).toBe('0');
    expect(flagValue(argv!, '--max_train_steps')).toBe('8');
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
    const folder = await jobFolder();
    const failed = await runTrainer(folder.dir, { DOUBLE_FAIL_AT: '6' });
    expect(failed.code).toBe(1);
    expect(String(failed.lines.at(-1)!.error)).toMatch(/^train_network.py exited with code 1: torch.OutOfMemoryError: CUDA out of memory/);
    // Step 4 was complete (the bar moved on to 5): it is the checkpoint.
    expect(JSON.parse(await readFile(join(folder.dir, 'state', 'resume.json'), 'utf8'))).toMatchObject({ step: 4 });
    // A folder sd-scripts was still writing when the attempt died, by its own count.
    await mkdir(join(folder.dir, 'state', 'lora-step00000002-state'));
    const next = await runTrainer(folder.dir);
    expect(next.code).toBe(0);
    expect(phases(next, 'checkpoint')).toEqual([8, 12]);
  });
});
