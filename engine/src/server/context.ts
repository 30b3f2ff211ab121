import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import type { TaskService } from '../jobs/task-service.ts';
import type { RunnerBackend } from '../runner/backend.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { AssetSystem } from '../assets/asset-system.ts';
import type { Settings } from '../settings/index.ts';
import type { JobTokens } from '../jobs/stateless/job-token.ts';

/** What this engine can do; the web app disables (with a reason) what it cannot. */
export interface EngineFeatures {
  generation: boolean;
  render: boolean;
  edl: boolean;
  training: boolean;
}

export const NO_FEATURES: EngineFeatures = { generation: false, render: false, edl: false, training: false };

/** What route handlers need; built once at start-up. */
export interface EngineContext {
  workspace: Workspace;
  queue: GitQueue;
  /** The live state of each open project, shared by REST and the WebSockets. */
  rooms: RoomRegistry;
  templatesDir: string;
  webBuildDir: string;
  features: EngineFeatures;
  /** Installed pipelines and the backends that can run them. */
  catalogue: PipelineCatalogue;
  backends: RunnerBackend[];
  /** Generation tasks; absent when the engine runs without a job queue. */
  tasks?: TaskService;
  /** The workspace's asset library and LoRA training; absent when the engine runs without a job queue. */
  assets?: AssetSystem;
  /** What the environment set (upload caps, the runner backend, ...), loaded once at start-up. */
  settings: Settings;
  /** Tokens of running jobs, for stateless workers' git requests; absent without a job queue. */
  jobTokens?: JobTokens;
  /** Startup token when bound beyond loopback, otherwise null (open). */
  token: string | null;
}
