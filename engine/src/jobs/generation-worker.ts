import { hostname } from 'node:os';
import { link, lstat, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Queue, UnrecoverableError, type Job, type RedisOptions } from 'bullmq';
import { StudioError } from '../errors.ts';
import { isPlainProjectFile } from '../projects/open-project-file.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';
import { attemptFolderName } from './attempt-folder.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import { chooseBackend, type BackendPreference } from '../runner/choose-backend.ts';
import { PipelineCancelledError } from '../runner/errors.ts';
import { makeJobFolder } from '../runner/job-folder.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { listenForCancels } from './cancel-listener.ts';
import { startGpuSlots } from './gpu-slots.ts';
import type { GpuInfo } from './worker-capacity.ts';
import { WorkerHeartbeat, type GpuState } from './worker-registry.ts';
import { StartablePipelines } from './worker-pipelines.ts';
import { startCpuSlots } from './cpu-slots.ts';
import { TAKES_QUEUE, GenerateJobData, type TakeJobData } from './job-types.ts';
import { parseJobData } from './parse-job-data.ts';
import { LOCAL_TENANT, type Actor } from '@studio/node-schemas';
import { checkoutForJob } from './stateless/job-checkout.ts';
import { pushResult } from './stateless/push-result.ts';
import type { GitChildEnv } from './stateless/git-child.ts';
import { awaitJobToken } from './stateless/job-token-issuer.ts';
import { tenantOfJobToken } from './stateless/job-token.ts';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';

export interface GenerationWorkerOptions {
  /** This worker's GPUs (from detectGpus); none: it takes CPU jobs only. */
  gpus?: GpuInfo[];
  workspace: Workspace;
  redis: RedisOptions;
  catalogue: PipelineCatalogue;
  backends: RunnerBackend[];
  preference?: BackendPreference;
  concurrency?: number;
  /** How long a job's lock lasts without renewal: a killed worker's job is taken up again after this. */
  lockDurationMs?: number;
  /** A name for this worker in provenance and logs. */
  name?: string;
  /** From the settings: WORKER_HEARTBEAT_TTL_MS and WORKER_PIPELINES_REFRESH_MS. */
  heartbeatTtlMs?: number;
  pipelinesRefreshMs?: number;
  /**
   * A stateless worker (spec section 8.3, ENGINE_URL set): it shares no disk with the engine. Per
   * job it clones the project over git from the engine, pulls only the inputs' LFS objects, and
   * pushes its output to the job's own ref; its workspace holds only those temporary copies.
   */
  stateless?: Omit<GitChildEnv, 'token'> & { token?: string | null };
}

/** Where a job's attempts run: under the workspace, so the output can be linked into the project. */
export function jobsDir(workspace: Workspace): string {
  return join(workspace.home, '.jobs');
}

/**
 * A generation worker: takes jobs only from the CPU and GPU queues of the pipelines it can start
 * (its CPU slots and, with GPUs, one slot per GPU), runs the pipeline on a backend in a fresh
 * attempt folder, and hands the output to the engine through the takes queue (workers never write
 * a project repository). A failed pipeline is not retried; a worker that dies mid-job has
 * its job taken up again by BullMQ's stalled-job check. Cancels arrive on a Redis channel, since
 * only the worker holding a job can abort it.
 */
export async function startGenerationWorker(options: GenerationWorkerOptions) {
  const { workspace, catalogue, backends } = options;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const takes = new Queue<TakeJobData>(TAKES_QUEUE, { connection: options.redis });
  const lockDuration = options.lockDurationMs ?? 30_000;

  const gpuStates: GpuState[] = (options.gpus ?? []).map((g) => ({ ...g, jobs: [] }));
  // A stateless worker reads the token the engine left for each job it holds.
  const tokenClient = options.stateless ? new Redis(options.redis as IORedisOptions) : null;
  tokenClient?.on('error', () => undefined);

  const runJob = async (job: Job<GenerateJobData>, signal: AbortSignal | undefined, gpu: GpuState | null) => {
    const data = parseJobData(GenerateJobData, job);
    const startedAt = new Date();
    const attemptDir = join(jobsDir(workspace), job.id!, attemptFolderName(job.attemptsMade + 1));
    // A stateless worker's copy of the project, beside the attempt folder (which the runner makes afresh).
    const cloneDir = join(jobsDir(workspace), job.id!, `clone-${job.attemptsMade + 1}`);
    try {
      // Taken up again after a crash that came after its output was handed over: the work is done.
      const handedOver = await takes.getJob(`take-${job.id}`);
      if (handedOver)
        return {
          backend: handedOver.data.backend,
          runMs: handedOver.data.runMs,
          worker: handedOver.data.worker,
          gpu: gpu ? { id: gpu.id, vramGB: gpu.vramGB } : null,
          needGB: data.vramGB,
          resumed: true,
        };
      const pipeline = catalogue.get(data.pipelineId);
      const backend = await chooseBackend(pipeline, backends, options.preference);
      // A stateless job held by an object store that is down says so on its task, not only in the worker's log.
      const heldBecause = (progress: number) => (message: string) => {
        console.warn(`job ${job.id}: ${message}`);
        void job.updateProgress({ progress, step: message }).catch(() => undefined);
      };
      const gitEnv: GitChildEnv | null =
        options.stateless && tokenClient ? { ...options.stateless, token: options.stateless.token ?? (await awaitJobToken(tokenClient, job.id!)) } : null;
      if (gitEnv) await job.updateProgress({ progress: 0, step: 'fetching the inputs' });
      const checkout = gitEnv
        ? await checkoutForJob({
            dir: cloneDir,
            // The project's tenant: in the job, else named by the job's token.
            tenant: data.tenant ?? tenantOfJobToken(gitEnv.token),
            projectId: data.projectId,
            inputs: Object.values(data.inputs),
            env: gitEnv,
            onWaiting: heldBecause(0),
          })
        : null;
      const projectDir = checkout ? checkout.repo : projectPath(workspace, data.projectId);
      for (const [socket, rel] of Object.entries(data.inputs))
        if (!(await isPlainProjectFile(projectDir, rel)))
          throw new UnrecoverableError(`input ${socket} (${rel}) is not a regular file inside the project: links are not followed`);
      await job.updateProgress({ progress: 0, step: `starting on ${backend.name}` });
      const folder = await makeJobFolder({
        dir: attemptDir,
        manifest: pipeline.manifest,
        inputFiles: Object.fromEntries(Object.entries(data.inputs).map(([k, rel]) => [k, join(projectDir, rel)])),
        request: {
          job_id: job.id!,
          pipeline: data.pipelineId,
          task_type: data.taskType,
          quality: data.quality,
          seed: data.seed,
          prompt: data.prompt,
          negative_prompt: data.negativePrompt,
          params: data.params,
          width: data.width,
          height: data.height,
          aspect_ratio: data.aspectRatio,
          fps: data.fps,
          duration: data.duration,
        },
      });
      let lastReport = 0;
      const result = await backend.run({
        pipeline,
        job: folder,
        signal,
        gpus: gpu ? [gpu.id] : [],
        onProgress: ({ progress, step }) => {
          const now = Date.now();
          if (now - lastReport < 100 && progress < 1) return;
          lastReport = now;
          void job.updateProgress({ progress: Math.round(progress * 1000) / 10, step }).catch(() => undefined);
        },
      });
      const [output] = Object.values(result.outputs);
      if (!(await lstat(output!).catch(() => null))?.isFile())
        throw new UnrecoverableError('the pipeline output is not a regular file (a link or nothing): refused');
      const handOver = {
        generateJobId: job.id!,
        request: data,
        backend: result.backend,
        imageDigest: result.imageDigest,
        worker: name,
        startedAt: startedAt.toISOString(),
        runMs: result.durationMs,
      };
      // One take per generation, however often the job ran: a duplicate commit job is ignored.
      const takeJob = {
        jobId: `take-${job.id}`,
        attempts: 5,
        backoff: { type: 'exponential' as const, delay: 1000 },
        removeOnComplete: { age: 7 * 86400 },
        removeOnFail: { age: 7 * 86400 },
      };
      if (checkout && gitEnv) {
        await job.updateProgress({ progress: 100, step: 'pushing the output' });
        const tenant = data.tenant ?? tenantOfJobToken(gitEnv.token) ?? LOCAL_TENANT;
        const actor: Actor = { kind: 'worker', id: name.replace(/[^A-Za-z0-9._-]/g, '_'), name, tenant, job: job.id! };
        const pushed = await pushResult({ repo: checkout.repo, jobId: job.id!, output: output!, actor, env: gitEnv, onWaiting: heldBecause(100) });
        await takes.add('commit', { ...handOver, outputPath: '', pushed, finishedAt: new Date().toISOString() }, takeJob);
      } else {
        // One result file per job, whichever attempt made it: the engine links it into the project.
        const resultPath = join(jobsDir(workspace), job.id!, `result-${job.attemptsMade + 1}${extname(output!)}`);
        // A result left by a run killed before it handed over (no take job exists, checked above) is replaced.
        await rm(resultPath, { force: true });
        await link(output!, resultPath);
        await takes.add('commit', { ...handOver, outputPath: resultPath, finishedAt: new Date().toISOString() }, takeJob);
      }
      return {
        backend: result.backend,
        runMs: result.durationMs,
        worker: name,
        gpu: gpu ? { id: gpu.id, vramGB: gpu.vramGB } : null,
        needGB: data.vramGB,
        measurement: result.measurement,
      };
    } catch (error) {
      if (error instanceof PipelineCancelledError) throw new UnrecoverableError('cancelled');
      // The pipeline's own failure will not change on a retry; infrastructure hiccups may.
      if (error instanceof StudioError && error.status < 500 + 10 && error.code !== 'GIT_FAILED') throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      await rm(attemptDir, { recursive: true, force: true });
      if (options.stateless) await rm(join(jobsDir(workspace), job.id!), { recursive: true, force: true });
    }
  };

  const startedAt = new Date().toISOString();
  // What this worker can start, in its heartbeat: the dispatcher sends it nothing else.
  const startable = new StartablePipelines(catalogue, backends, options.preference, () => void heartbeat.beat(), options.pipelinesRefreshMs);
  let cpu: Awaited<ReturnType<typeof startCpuSlots>> | null = null;
  const heartbeat = new WorkerHeartbeat(
    options.redis,
    () => ({
      name,
      host: hostname(),
      pid: process.pid,
      gpus: gpuStates,
      cpuSlots: options.concurrency ?? 2,
      cpuJobs: cpu?.jobs ?? [],
      pipelines: startable.ids,
      unavailable: startable.reasons,
      startedAt,
      heartbeatAt: '',
    }),
    options.heartbeatTtlMs,
  );
  await startable.start();
  // CPU jobs come from the queues of the CPU pipelines this worker can start, and no others.
  cpu = await startCpuSlots({
    redis: options.redis,
    slots: options.concurrency ?? 2,
    lockDurationMs: lockDuration,
    canStart: (id) => startable.has(id),
    run: (job, signal) => runJob(job, signal, null),
    onChange: () => void heartbeat.beat(),
  });
  await heartbeat.start();
  const slots = gpuStates.length
    ? await startGpuSlots({
        redis: options.redis,
        gpus: gpuStates,
        lockDurationMs: lockDuration,
        canStart: (id) => startable.has(id),
        worker: name,
        run: (job, gpu, signal) => runJob(job, signal, gpu),
        onChange: () => void heartbeat.beat(),
      })
    : null;
  const stopListening = await listenForCancels(options.redis, [], (jobId) => {
    cpu?.cancel(jobId);
    slots?.cancel(jobId);
  });

  return {
    name,
    /** Its GPUs as its slots hold them: a training worker in the same process reserves on them. */
    gpus: gpuStates,
    /** Rewrites its heartbeat now (a reservation changed). */
    beat: () => heartbeat.beat(),
    close: async () => {
      await slots?.close();
      await cpu?.close();
      await takes.close();
      tokenClient?.disconnect();
      stopListening();
      startable.stop();
      await heartbeat.stop();
    },
  };
}
