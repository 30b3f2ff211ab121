import { z } from 'zod';
import { Quality } from '../project.ts';

/*
 * The job-folder contract between the runner and a pipeline entrypoint (pipelines/README.md):
 * the runner writes <job>/request.json and the input files under in/; the pipeline writes the
 * files named in `outputs` under out/ and prints one JSON object per stdout line. Published as JSON
 * Schema (npm run schemas) for the Python side.
 */

/** A path inside the job folder: relative, forward slashes, no `..`. */
const JobRelativePath = z
  .string()
  .min(1)
  .max(500)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\\]+$/, 'a path relative to the job folder, without ..');

/** request.json: what a pipeline is asked to make. */
export const PipelineRequest = z
  .object({
    job_id: z.string().min(1).max(200),
    pipeline: z.string().min(1),
    task_type: z.string().min(1),
    quality: Quality,
    seed: z.int().min(0),
    prompt: z.string(),
    negative_prompt: z.string(),
    params: z.record(z.string(), z.unknown()),
    width: z.int().min(0),
    height: z.int().min(0),
    aspect_ratio: z.string(),
    /** 0 for jobs that make no video (training). */
    fps: z.number().min(0),
    /** Seconds; 0 for stills and training. */
    duration: z.number().min(0),
    /** Input socket name -> file under in/. */
    inputs: z.record(z.string(), JobRelativePath),
    /** Output name -> the file under out/ the pipeline must write (extension from the manifest). */
    outputs: z.record(z.string(), JobRelativePath),
  })
  .strict()
  .meta({ title: 'request.json', description: 'What a pipeline is asked to make: written by the runner, read-only for the pipeline.' });
export type PipelineRequest = z.infer<typeof PipelineRequest>;

/** `{"progress": 0.42, "step": "denoising"}`: how far the job is (0-1) and what it is doing (the runner keeps 200 characters of it). */
export const ProgressLine = z.object({ progress: z.number().min(0).max(1), step: z.string().optional() }).meta({ title: 'progress line' });
export type ProgressLine = z.infer<typeof ProgressLine>;

/** `{"result": {...}}`: what the job used, printed once before a GPU pipeline exits; null where it could not be read. */
export const ResultLine = z
  .object({
    result: z.object({
      /** Peak VRAM in MiB over all GPUs, or null when no GPU could be read. */
      peak_vram_mb: z
        .number()
        .min(0)
        .max(4 * 2 ** 20)
        .nullable(),
      /** The pipeline's own wall time in seconds (without container start). */
      wall_s: z.number().min(0).max(86_400).nullable(),
      /** How the peak was measured (torch, nvidia-smi), or null with no peak. */
      vram_source: z.string().max(40).nullable(),
    }),
  })
  .meta({ title: 'result line' });
export type ResultLine = z.infer<typeof ResultLine>;

/** `{"error": "..."}`: why the pipeline refused or failed, shown to the user (a refusal exits 3; the runner keeps 1000 characters). */
export const ErrorLine = z.object({ error: z.string() }).meta({ title: 'error line' });
export type ErrorLine = z.infer<typeof ErrorLine>;

/** A JSON stdout line of a pipeline; any other stdout line is ignored by the runner. */
export const PipelineStdoutLine = z.union([ProgressLine, ResultLine, ErrorLine]);
export type PipelineStdoutLine = z.infer<typeof PipelineStdoutLine>;
