import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TrainJobData } from '@studio/node-schemas';
import { makeJobFolder, type JobFolder } from '../runner/job-folder.ts';
import type { InstalledPipeline } from '../runner/pipeline-catalogue.ts';
import { draftPixels } from './draft-pixels.ts';
import { inParallel } from './in-parallel.ts';
import { trainingBase } from './presets.ts';

/** Each image's 32x32 pixels (decoded once, when it came in) with its caption: the dataset the draft trainer reads. */
async function draftDataset(libraryRoot: string, data: TrainJobData, target: string): Promise<void> {
  const items = await inParallel(data.images, async (image) => {
    const rgb = await draftPixels(libraryRoot, image.sha256, join(libraryRoot, data.assetId, image.file));
    return { caption: image.caption, rgb: rgb.toString('base64') };
  });
  await writeFile(target, JSON.stringify(items));
}

/** `007_3fa1c2d4`: in the dataset's order, unique, and nothing of the name the user gave. */
const imageName = (i: number, image: TrainJobData['images'][number]) => `${String(i + 1).padStart(3, '0')}_${image.sha256.slice(0, 8)}`;

/**
 * A GPU trainer's dataset as kohya sd-scripts and musubi-tuner read it: in/images/<name>.png with
 * its caption beside it in <name>.txt, written from the Library's image (a container sees only the job
 * folder). The index, in/dataset.json, lists each image with its caption and hash.
 */
async function imageFolder(libraryRoot: string, data: TrainJobData, jobDir: string): Promise<Array<{ image: string; caption: string; sha256: string }>> {
  const dir = join(jobDir, 'in', 'images');
  await mkdir(dir, { recursive: true });
  return inParallel(data.images, async (image, i) => {
    const name = imageName(i, image);
    // As PNG, upright: the Library takes GIF, TIFF and AVIF, which sd-scripts skips, and neither trainer applies EXIF orientation.
    await sharp(join(libraryRoot, data.assetId, image.file))
      .rotate()
      .png()
      .toFile(join(dir, `${name}.png`));
    await writeFile(join(dir, `${name}.txt`), `${image.caption}\n`);
    return { image: `images/${name}.png`, caption: image.caption, sha256: image.sha256 };
  });
}

/**
 * The job folder of a training run: the dataset its trainer reads (the draft trainer's pixels, or
 * a GPU trainer's images and captions), and request.json with the run's params, the preset's own
 * trainer flags (`args`) and optimizer among them.
 */
export async function makeTrainingJobFolder({
  libraryRoot,
  data,
  pipeline,
  taskId,
  taskDir,
  runDir,
}: {
  libraryRoot: string;
  data: TrainJobData;
  pipeline: InstalledPipeline;
  taskId: string;
  taskDir: string;
  runDir: string;
}): Promise<JobFolder> {
  const datasetFile = join(taskDir, 'dataset.json');
  const draft = data.base === 'draft';
  if (draft) await draftDataset(libraryRoot, data, datasetFile);
  else await writeFile(datasetFile, '[]');
  const preset = trainingBase(data.base).presets.find((p) => p.id === data.preset);
  const folder = await makeJobFolder({
    dir: runDir,
    manifest: pipeline.manifest,
    inputFiles: { dataset: datasetFile },
    request: {
      job_id: taskId,
      pipeline: data.pipelineId,
      task_type: 'train-lora',
      quality: 'standard',
      seed: data.params.seed,
      prompt: `photo of ${data.triggerWord}`,
      negative_prompt: '',
      params: {
        ...data.params,
        checkpoint_every: data.checkpointEvery,
        sample_every: data.sampleEvery,
        trigger_word: data.triggerWord,
        step_delay_s: data.stepDelayS,
        ...(draft ? {} : { optimizer: preset?.optimizer ?? null, args: preset?.args ?? [] }),
      },
      width: data.params.resolution,
      height: data.params.resolution,
      aspect_ratio: '1:1',
      fps: 0,
      duration: 0,
    },
  });
  if (!draft) {
    const index = await imageFolder(libraryRoot, data, runDir);
    await writeFile(join(runDir, folder.request.inputs.dataset!), JSON.stringify(index));
  }
  return folder;
}
