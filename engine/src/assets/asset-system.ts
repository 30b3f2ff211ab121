import type { RedisOptions } from 'bullmq';
import type { KindFactory } from '../jobs/task-service.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import type { BackendPreference } from '../runner/choose-backend.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { Graph } from '@studio/node-schemas';
import type { GenerateJobData } from '../jobs/job-types.ts';
import { projectPath } from '../projects/workspace.ts';
import { AssetLibrary } from './asset-library.ts';
import { attachAssetImages } from './asset-images.ts';
import { attachAssetLora } from './lora-inputs.ts';
import { LibraryHub } from './library-hub.ts';
import { TrainingKind } from './training-kind.ts';
import { startTrainingWorker } from './training-worker.ts';

export interface AssetSystem {
  library: AssetLibrary;
  hub: LibraryHub;
  /** The training job kind, once the task service has registered it. */
  training(): TrainingKind;
}

/**
 * The asset library, its WebSocket hub, the training job kind for the task service, and (embedded)
 * a training worker: what main.ts and the test engines plug into the job system.
 */
export function assetSystem(options: {
  workspace: Workspace;
  queue: GitQueue;
  templatesDir: string;
  catalogue: PipelineCatalogue;
  backends: RunnerBackend[];
  redis: RedisOptions;
  preference?: BackendPreference;
  lockDurationMs?: number;
  /** How long a cancelled training run may take to save its checkpoint (TRAIN_CANCEL_GRACE_MS). */
  cancelGraceMs?: number;
}): {
  system: AssetSystem;
  kinds: KindFactory[];
  workers: Array<() => Promise<{ close(): Promise<void> }>>;
  prepareGeneration: (data: GenerateJobData, graph: Graph) => Promise<GenerateJobData>;
} {
  const library = new AssetLibrary(options.workspace, options.queue, options.templatesDir);
  const hub = new LibraryHub();
  let kind: TrainingKind | null = null;
  const system: AssetSystem = {
    library,
    hub,
    training: () => {
      if (!kind) throw new Error('the training kind is not registered');
      return kind;
    },
  };
  return {
    system,
    prepareGeneration: async (data, graph) => {
      const projectDir = projectPath(options.workspace, data.projectId);
      const withImages = await attachAssetImages({ data, library, queue: options.queue, projectDir });
      return attachAssetLora({ data: withImages, graph, library, catalogue: options.catalogue, queue: options.queue, projectDir });
    },
    kinds: [(ctx) => (kind = new TrainingKind(ctx, library, hub))],
    workers: [
      () =>
        startTrainingWorker({
          workspace: options.workspace,
          redis: options.redis,
          catalogue: options.catalogue,
          backends: options.backends,
          preference: options.preference,
          lockDurationMs: options.lockDurationMs,
          cancelGraceMs: options.cancelGraceMs,
          name: `engine:${process.pid}`,
        }),
    ],
  };
}
