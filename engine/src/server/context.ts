import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';

/** What route handlers need; built once at start-up. */
export interface EngineContext {
  workspace: Workspace;
  queue: GitQueue;
  templatesDir: string;
  webBuildDir: string;
  /** Startup token when bound beyond loopback, otherwise null (open). */
  token: string | null;
}
