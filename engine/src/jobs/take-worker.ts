import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, Worker, type Job, type RedisOptions } from 'bullmq';
import { fileUrl } from '../projects/file-url.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';
import { TakeCommitter } from '../projects/takes/commit-takes.ts';
import { ensureThumbnail } from '../projects/takes/thumbnail.ts';
import { inputHashes } from '../projects/takes/input-hashes.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import { jobsDir } from './generation-worker.ts';
import { TAKES_QUEUE, TakeJobData, type TakeJobResult } from './job-types.ts';
import { parseJobData } from './parse-job-data.ts';
import { sweepJobsDir, type SweepResult } from './jobs-sweeper.ts';
import { GenerationQueues } from './generation-queues.ts';
import { LOCAL_TENANT, type Actor } from '@studio/node-schemas';
import { bringInPushedResult, dropJobRef } from './stateless/bring-in-result.ts';
import type { S3Connection } from '../storage/s3-connection.ts';
import { s3BlobStore } from '../storage/s3-blob-store.ts';

/**
 * The engine's half of a generation: commits each finished output as a take (the engine is the only
 * writer of a project), makes it the node's active take, and tells every client. Runs many jobs at
 * once so takes that finish together share a commit.
 */
export function startTakeWorker({
  workspace,
  queue,
  rooms,
  redis,
  sweepEveryMs = 5 * 60_000,
  s3 = null,
  actorOf = async () => undefined,
}: {
  workspace: Workspace;
  queue: GitQueue;
  rooms: RoomRegistry;
  redis: RedisOptions;
  sweepEveryMs?: number;
  /** Where stateless workers' LFS uploads go when S3 is configured. */
  s3?: S3Connection | null;
  /** Who asked for a generation (the task service remembers it), for the take's commit. */
  actorOf?: (taskId: string) => Promise<Actor | undefined>;
}) {
  const committer = new TakeCommitter(queue);
  const worker = new Worker<TakeJobData, TakeJobResult>(
    TAKES_QUEUE,
    async (job: Job<TakeJobData>) => {
      const data = parseJobData(TakeJobData, job);
      const { request, generateJobId } = data;
      const projectDir = projectPath(workspace, request.projectId);
      const room = await rooms.get(request.projectId);
      // The user sees the take as soon as it is on disk; the commit (shared with takes that finish
      // at the same time) follows.
      const announce = (take: { path: string; version: number; take: number }) => {
        room.applyServerEdits([{ op: 'update_node', id: request.nodeId, changes: { data: { activeTake: take.path } } }]);
        room.taskEvent({ type: 'server:node_state_updated', node_id: request.nodeId, state: 'done', task_id: generateJobId });
        room.broadcast({
          type: 'server:task_success',
          task_id: generateJobId,
          node_id: request.nodeId,
          result: { output_url: fileUrl(request.projectId, take.path), take: take.path, version: take.version, number: take.take },
        });
      };
      // A stateless worker pushed its output to its job's ref: the engine brings it in, serially, into main.
      const sourcePath = data.pushed
        ? await bringInPushedResult({
            projectDir,
            ref: data.pushed.ref,
            path: data.pushed.path,
            resultDir: join(jobsDir(workspace), generateJobId),
            remote: s3 ? s3BlobStore({ s3, tenant: request.tenant ?? LOCAL_TENANT }) : null,
          })
        : data.outputPath;
      const committed = await committer.commit({
        projectId: request.projectId,
        projectDir,
        subject: request.subject,
        sourcePath,
        fingerprint: request.fingerprint,
        pipeline: request.pipelineId,
        seed: request.seed,
        actor: await actorOf(generateJobId).catch(() => undefined),
        onPlaced: announce,
        provenance: {
          task_id: generateJobId,
          node_id: request.nodeId,
          pipeline: request.pipelineId,
          task_type: request.taskType,
          image_digest: data.imageDigest,
          backend: data.backend,
          quality: request.quality,
          ...(request.fallbackFrom ? { fallback_from: request.fallbackFrom } : {}),
          prompt: request.prompt,
          negative_prompt: request.negativePrompt,
          params: request.params,
          seed: request.seed,
          size: { width: request.width, height: request.height, fps: request.fps, duration: request.duration },
          inputs: request.inputs,
          input_sha256: await inputHashes(projectDir, request.inputs),
          worker: data.worker,
          timings: { requested_at: request.requestedAt, started_at: data.startedAt, finished_at: data.finishedAt, run_ms: data.runMs },
        },
      });
      void ensureThumbnail(projectDir, committed.path).catch(() => null);
      if (data.pushed) await queue.run(request.projectId, () => dropJobRef(projectDir, data.pushed!.ref));
      // The take is committed: nothing in the job's folder is needed any more.
      await rm(join(jobsDir(workspace), generateJobId), { recursive: true, force: true });
      return { take: committed.path, sidecar: committed.sidecar, version: committed.version, number: committed.take };
    },
    { connection: redis, concurrency: 64 },
  );
  worker.on('error', () => undefined);

  // What crashed jobs left in .jobs: swept at start and now and then.
  // Generation jobs live in the CPU queue and the GPU queues: the sweeper must see them all.
  const generate = new GenerationQueues(redis);
  const takes = new Queue(TAKES_QUEUE, { connection: redis });
  takes.on('error', () => undefined);
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => (sweeping = sweepJobsDir({ dir: jobsDir(workspace), generate, takes }).catch(() => null));
  void sweep();
  const timer = setInterval(() => void sweep(), sweepEveryMs);
  timer.unref();
  return {
    worker,
    sweep: () => sweep() as Promise<SweepResult | null>,
    close: async () => {
      clearInterval(timer);
      await worker.close();
      await sweeping;
      await generate.close();
      await takes.close();
    },
  };
}
