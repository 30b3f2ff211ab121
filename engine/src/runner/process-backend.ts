import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { VARIABLES } from '../settings/variables.ts';
import { collectOutputs, failureMessage, type RunnerBackend, type RunOptions, type RunResult } from './backend.ts';
import { PipelineCancelledError, PipelineFailedError, PipelineTimeoutError } from './errors.ts';
import type { InstalledPipeline } from './pipeline-catalogue.ts';
import { pipelineStdout } from './progress-lines.ts';
import { WarmSpares } from './warm-spares.ts';

const STDERR_KEEP = 8192;

/** The job helpers every pipeline imports (studio_job, draftnet): images copy them, the host finds them here. */
export const PIPELINE_LIB = join(REPO_ROOT, 'pipelines', '_lib');

/**
 * Runs a host-runnable pipeline's entrypoint as a child process (in its own process group, so a
 * cancel or timeout kills everything it started), with the job folder as its last argument.
 */
export class ProcessBackend implements RunnerBackend {
  readonly name = 'process' as const;

  readonly #spares: WarmSpares | null;

  /**
   * path, home and modelsDir come from the settings (PATH, HOME, STUDIO_MODELS) and are all the
   * environment a pipeline gets. warm (STUDIO_WARM_START, default off here): a pipeline whose manifest
   * names processPreload starts from a spare interpreter that has imported those already.
   */
  constructor(
    private readonly options: { gpus?: boolean; env?: Record<string, string>; path?: string; home?: string; modelsDir?: string; warm?: boolean } = {},
  ) {
    this.#spares = options.warm ? new WarmSpares({ lib: PIPELINE_LIB, env: () => this.#baseEnv() }) : null;
  }

  #baseEnv(): Record<string, string> {
    return {
      PATH: this.options.path ?? VARIABLES.PATH.default!,
      HOME: this.options.home ?? VARIABLES.HOME.default!,
      LANG: 'C.UTF-8',
      PYTHONPATH: PIPELINE_LIB,
      ...(this.options.modelsDir ? { STUDIO_MODELS: this.options.modelsDir } : {}),
      ...this.options.env,
    };
  }

  /** A spare interpreter for this pipeline, made now, so its first job does not wait for its imports. */
  prewarm(pipeline: InstalledPipeline): void {
    this.#spares?.fill(pipeline);
  }

  /** The pid of the spare waiting for this pipeline's next job, if any (tests). */
  sparePid(pipeline: InstalledPipeline): number | null {
    return this.#spares?.pid(pipeline) ?? null;
  }

  async unavailableReason({ manifest }: InstalledPipeline): Promise<string | null> {
    if (!manifest.backends.includes('process') || !manifest.processCommand) return `${manifest.id} cannot run on the host`;
    if (manifest.gpu.required && !this.options.gpus) return `${manifest.id} needs a GPU and this worker has none`;
    return null;
  }

  run({ pipeline, job, signal, onProgress, gpus = [] }: RunOptions): Promise<RunResult> {
    const { manifest, dir } = pipeline;
    const [command, ...args] = manifest.processCommand!;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new PipelineCancelledError('cancelled before it started'));
      // The GPU slot the job holds, and no other.
      const jobEnv: Record<string, string> = gpus.length ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {};
      const warm = this.#spares?.take(pipeline, [...args, job.dir], jobEnv) ?? null;
      const child =
        warm?.child ??
        spawn(command!, [...args, job.dir], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...this.#baseEnv(), ...jobEnv } });
      let stderr = warm?.stderr ?? '';
      let ending: 'timeout' | 'cancel' | null = null;
      const killGroup = () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const lines = pipelineStdout(onProgress);
      child.stdout.on('data', (d) => lines.push(d));
      child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-STDERR_KEEP)));
      const timer = setTimeout(() => ((ending = 'timeout'), killGroup()), manifest.timeoutSeconds * 1000);
      const onAbort = () => ((ending = 'cancel'), killGroup());
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new PipelineFailedError(`cannot start ${command}: ${error.message}`));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        // The next job's interpreter, started once this one is done rather than beside it.
        this.#spares?.fill(pipeline);
        signal?.removeEventListener('abort', onAbort);
        lines.end();
        if (ending === 'cancel') return reject(new PipelineCancelledError('cancelled'));
        if (ending === 'timeout') return reject(new PipelineTimeoutError(`${manifest.id} ran past its ${manifest.timeoutSeconds} s limit`));
        if (code !== 0) return reject(new PipelineFailedError(failureMessage(code, sig, lines.errorLine(), stderr), { exitCode: code }));
        collectOutputs(job).then(
          (outputs) => resolve({ backend: 'process', outputs, durationMs: Date.now() - started, imageDigest: null, measurement: lines.measurement() }),
          reject,
        );
      });
    });
  }
}
