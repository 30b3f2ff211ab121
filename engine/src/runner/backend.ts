import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineBackend } from '@studio/node-schemas';
import { PipelineFailedError } from './errors.ts';
import type { JobFolder } from './job-folder.ts';
import type { InstalledPipeline } from './pipeline-catalogue.ts';
import type { PipelineMeasurement, PipelineProgress } from './progress-lines.ts';

export interface RunOptions {
  pipeline: InstalledPipeline;
  job: JobFolder;
  signal?: AbortSignal;
  onProgress?: (progress: PipelineProgress) => void;
  /** GPU device ids this job may use (docker device requests); empty for CPU pipelines. */
  gpus?: string[];
}

export interface RunResult {
  backend: PipelineBackend;
  /** Absolute paths of the outputs, by output name. */
  outputs: Record<string, string>;
  durationMs: number;
  /** The container image's id (docker) or null (process). */
  imageDigest: string | null;
  /** What the pipeline reported about its run (peak VRAM, its own wall time), or null if it said nothing. */
  measurement: PipelineMeasurement | null;
}

/** One way of running a pipeline: both honour the same manifest and job-folder contract. */
export interface RunnerBackend {
  readonly name: PipelineBackend;
  /** null when it can run this pipeline, otherwise why not. */
  unavailableReason(pipeline: InstalledPipeline): Promise<string | null>;
  run(options: RunOptions): Promise<RunResult>;
  /** Makes ready ahead of a job what its start would otherwise wait for (the process backend's spare interpreter); optional. */
  prewarm?(pipeline: InstalledPipeline): void;
}

/** Every declared output must exist and be non-empty. */
export async function collectOutputs(job: JobFolder): Promise<Record<string, string>> {
  const outputs: Record<string, string> = {};
  for (const [name, rel] of Object.entries(job.request.outputs)) {
    const path = join(job.dir, rel);
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : 0),
      () => 0,
    );
    if (!size) throw new PipelineFailedError(`the pipeline did not write its output '${name}' (${rel})`, { output: name });
    outputs[name] = path;
  }
  return outputs;
}

/** The message to show for a failed run: an `{"error": ...}` line if the pipeline printed one, else stderr's tail. */
export function failureMessage(code: number | null, signal: string | null, stdoutError: string | null, stderrTail: string): string {
  if (stdoutError) return stdoutError;
  const tail = stderrTail.trim().split('\n').slice(-6).join('\n').slice(-1500);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return tail ? `the pipeline ${how}: ${tail}` : `the pipeline ${how}`;
}
