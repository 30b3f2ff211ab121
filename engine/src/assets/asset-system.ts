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
import { LOCAL_TENANT } from '@studio/node-schemas';
import type { AssetLibrary } from './asset-library.ts';
import { prepareAssetInputs, type PreparedAssetInputs } from './asset-inputs.ts';
import { LibraryHub } from './library-hub.ts';
import { TenantLibraries } from './tenant-libraries.ts';
import { TrainingKind } from './training-kind.ts';
import { startTrainingWorker } from './training-worker.ts';

export interface AssetSystem {
  /** The local tenant's library: the single-user default's. */
  library: AssetLibrary;
  /** A tenant's own library: all its users see and use, and nothing of another tenant's. */
  libraryOf(tenant: string): AssetLibrary;
  /** The tenant whose library holds an asset, or null: for what names an asset but no project (a training task). */
  tenantOfAsset(assetId: string): Promise<string | null>;
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
  prepareGeneration: (data: GenerateJobData, graph: Graph) => Promise<PreparedAssetInputs>;
} {
  const libraries = new TenantLibraries(options.workspace, options.queue, options.templatesDir);
  const library = libraries.of(LOCAL_TENANT);
  // Training events reach the watchers of the asset's own tenant only.
  const hub = new LibraryHub((assetId) => libraries.tenantOfAsset(assetId));
  let kind: TrainingKind | null = null;
  const system: AssetSystem = {
    library,
    libraryOf: (tenant) => libraries.of(tenant),
    tenantOfAsset: (assetId) => libraries.tenantOfAsset(assetId),
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
      // A project uses the assets of its own tenant's library.
      const own = libraries.of(data.tenant ?? LOCAL_TENANT);
      return prepareAssetInputs({ data, graph, library: own, catalogue: options.catalogue, queue: options.queue, projectDir });
    },
    kinds: [(ctx) => (kind = new TrainingKind(ctx, (tenant) => libraries.of(tenant), hub))],
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
