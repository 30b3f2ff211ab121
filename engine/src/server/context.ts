import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';

/** What route handlers need; built once at start-up. */
export interface EngineContext {
  workspace: Workspace;
  queue: GitQueue;
  /** The live state of each open project, shared by REST and the WebSockets. */
  rooms: RoomRegistry;
  templatesDir: string;
  webBuildDir: string;
  /** Startup token when bound beyond loopback, otherwise null (open). */
  token: string | null;
}
