import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PipelineRequest, type PipelineManifest } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';

/** What a pipeline is asked to make (request.json, see pipelines/README.md): the node-schemas contract. */
export type { PipelineRequest };

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
  // Checked against the contract before the pipeline sees it: a request it would refuse fails here, naming the field.
  const checked = PipelineRequest.safeParse({ ...request, inputs, outputs });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InvalidRequestError(`request.json for ${manifest.id} breaks the job-folder contract: ${issue.path.join('.') || 'request'}: ${issue.message}`, {
      pipeline: manifest.id,
    });
  }
  const full = checked.data;
  await writeFile(join(dir, 'request.json'), JSON.stringify(full, null, 2));
  return { dir, request: full };
}
