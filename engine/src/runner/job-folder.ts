import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { PipelineManifest } from '@studio/node-schemas';

/** What a pipeline is asked to make (request.json, see pipelines/README.md). */
export interface PipelineRequest {
  job_id: string;
  pipeline: string;
  task_type: string;
  quality: string;
  seed: number;
  prompt: string;
  negative_prompt: string;
  params: Record<string, unknown>;
  width: number;
  height: number;
  aspect_ratio: string;
  fps: number;
  duration: number;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

export interface JobFolder {
  dir: string;
  request: PipelineRequest;
}

/**
 * Makes a job folder: in/ with the input files copied in, out/ empty, request.json. An output
 * whose socket carries several types (Image or Video) takes the extension of the input it is made
 * from, so an upscaled image stays an image.
 */
export async function makeJobFolder({
  dir,
  manifest,
  request,
  inputFiles,
}: {
  dir: string;
  manifest: PipelineManifest;
  request: Omit<PipelineRequest, 'inputs' | 'outputs'>;
  inputFiles: Record<string, string>;
}): Promise<JobFolder> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'in'), { recursive: true });
  await mkdir(join(dir, 'out'), { recursive: true });
  const inputs: Record<string, string> = {};
  for (const [name, source] of Object.entries(inputFiles)) {
    const rel = `in/${name}${extname(source).toLowerCase()}`;
    await copyFile(source, join(dir, rel));
    inputs[name] = rel;
  }
  const firstInputExt = Object.values(inputs)[0] ? extname(Object.values(inputs)[0]!).slice(1) : null;
  const outputs: Record<string, string> = {};
  for (const output of manifest.outputs) {
    const ext = Array.isArray(output.type) && output.type.length > 1 && firstInputExt ? firstInputExt : output.extension;
    outputs[output.name] = `out/${output.name}.${ext}`;
  }
  const full: PipelineRequest = { ...request, inputs, outputs };
  await writeFile(join(dir, 'request.json'), JSON.stringify(full, null, 2));
  return { dir, request: full };
}
