import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { VARIABLES } from '../settings/variables.ts';
import { dockerGet } from './docker-socket.ts';
import { collectOutputs, failureMessage, type RunnerBackend, type RunOptions, type RunResult } from './backend.ts';
import { PipelineCancelledError, PipelineFailedError, PipelineTimeoutError } from './errors.ts';
import type { InstalledPipeline } from './pipeline-catalogue.ts';
import { pipelineStdout } from './progress-lines.ts';

const STDERR_KEEP = 8192;

/**
 * Runs a pipeline's container with dockerode: the job folder mounted at /job, weights read-only at
 * /models, no network, GPUs by device request. stdout lines are progress; a timeout or a cancel
 * kills the container; the container is always removed.
 */
export class DockerBackend implements RunnerBackend {
  readonly name = 'docker' as const;

  /** socketPath and modelsDir come from the settings (DOCKER_SOCKET, STUDIO_MODELS). */
  constructor(options: { socketPath?: string; modelsDir?: string } = {}) {
    this.socketPath = options.socketPath ?? VARIABLES.DOCKER_SOCKET.default;
    this.modelsDir = options.modelsDir;
  }

  private readonly socketPath: string;
  private readonly modelsDir: string | undefined;
  #client: Promise<Docker> | null = null;

  /** The dockerode client, loaded when a container first runs: the package costs about 0.1 s of a start (the checks before use dockerGet). */
  docker(): Promise<Docker> {
    this.#client ??= import('dockerode').then(({ default: Docker }) => new Docker({ socketPath: this.socketPath }));
    return this.#client;
  }
  readonly #images = new Map<string, { at: number; info: Promise<{ Id: string }> }>();

  /** Image metadata, cached a few seconds: a burst of jobs need not ask the daemon each time. */
  #inspect(image: string): Promise<{ Id: string }> {
    const cached = this.#images.get(image);
    if (cached && Date.now() - cached.at < 5000) return cached.info;
    const info = dockerGet(this.socketPath, `/images/${image}/json`) as Promise<{ Id: string }>;
    this.#images.set(image, { at: Date.now(), info });
    info.catch(() => this.#images.delete(image));
    return info;
  }

  #ping: { at: number; answers: Promise<boolean> } | null = null;

  /** Whether the daemon answers; asked at most once a second (a worker checks every pipeline in a row). */
  daemonAnswers(): Promise<boolean> {
    if (this.#ping && Date.now() - this.#ping.at < 1000) return this.#ping.answers;
    const answers = dockerGet(this.socketPath, '/_ping').then(
      () => true,
      () => false,
    );
    this.#ping = { at: Date.now(), answers };
    return answers;
  }

  async unavailableReason({ manifest }: InstalledPipeline): Promise<string | null> {
    if (!manifest.backends.includes('docker')) return `${manifest.id} has no container`;
    if (!(await this.daemonAnswers())) return 'no Docker daemon answers';
    try {
      await this.#inspect(manifest.image);
    } catch {
      return `the image ${manifest.image} is not built (run scripts/build-pipeline-images)`;
    }
    return null;
  }

  async run({ pipeline, job, signal, onProgress, gpus = [] }: RunOptions): Promise<RunResult> {
    const { manifest } = pipeline;
    if (signal?.aborted) throw new PipelineCancelledError('cancelled before it started');
    const started = Date.now();
    const image = await this.#inspect(manifest.image);
    const docker = await this.docker();
    const container = await docker.createContainer({
      Image: manifest.image,
      Cmd: [...manifest.command],
      User: typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined,
      Env: ['LANG=C.UTF-8'],
      Labels: { 'studio.job': job.request.job_id, 'studio.pipeline': manifest.id },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Binds: [`${job.dir}:/job`, ...(this.modelsDir ? [`${this.modelsDir}:/models:ro`] : [])],
        NetworkMode: 'none',
        AutoRemove: false,
        ...(manifest.gpu.required || gpus.length
          ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: gpus.length ? gpus : undefined, Count: gpus.length ? undefined : -1, Capabilities: [['gpu']] }] }
          : {}),
      },
    });
    let stderr = '';
    let ending: 'timeout' | 'cancel' | null = null;
    let succeeded = false;
    const kill = () => container.kill().catch(() => undefined);
    const onAbort = () => ((ending = 'cancel'), void kill());
    const timer = setTimeout(() => ((ending = 'timeout'), void kill()), manifest.timeoutSeconds * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const out = new PassThrough();
      const err = new PassThrough();
      docker.modem.demuxStream(stream, out, err);
      const lines = pipelineStdout(onProgress);
      out.on('data', (d: Buffer) => lines.push(d));
      err.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
      const streamEnded = new Promise<void>((resolve) => stream.on('end', resolve));
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await Promise.race([streamEnded, new Promise((r) => setTimeout(r, 1000))]);
      lines.end();
      if (ending === 'cancel') throw new PipelineCancelledError('cancelled');
      if (ending === 'timeout') throw new PipelineTimeoutError(`${manifest.id} ran past its ${manifest.timeoutSeconds} s limit`);
      if (StatusCode !== 0) throw new PipelineFailedError(failureMessage(StatusCode, null, lines.errorLine(), stderr), { exitCode: StatusCode });
      const outputs = await collectOutputs(job);
      succeeded = true;
      return { backend: 'docker', outputs, durationMs: Date.now() - started, imageDigest: image.Id, measurement: lines.measurement() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Always removed; after a success nobody needs to wait for it.
      const removal = container.remove({ force: true }).catch(() => undefined);
      if (!succeeded) await removal;
    }
  }
}
