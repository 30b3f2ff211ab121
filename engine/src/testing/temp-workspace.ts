import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../config.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { ensureWorkspace, workspaceAt, type Workspace } from '../projects/workspace.ts';
import { buildApp } from '../server/app.ts';
import { RoomRegistry } from '../sync/room-registry.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { ProcessBackend } from '../runner/process-backend.ts';
import type { RoomTiming } from '../sync/project-room.ts';
import { NO_FEATURES, type EngineContext } from '../server/context.ts';
import { testSettings } from './test-settings.ts';

export async function tempWorkspace(): Promise<{ workspace: Workspace; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'studio-test-'));
  const workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  // Retried: a closing engine's last writes (a database's journal, a commit) can land while the tree is removed.
  return { workspace, cleanup: () => rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}

/** An engine app on a fresh temporary workspace, for app.inject() tests. */
export async function testApp(
  overrides: Partial<EngineContext> = {},
  timing?: RoomTiming,
): Promise<{
  app: FastifyInstance;
  ctx: EngineContext;
  cleanup: () => Promise<void>;
}> {
  const { workspace, cleanup } = await tempWorkspace();
  const queue = new GitQueue();
  const settings = overrides.settings ?? testSettings();
  const ctx: EngineContext = {
    workspace,
    queue,
    rooms: new RoomRegistry(workspace, queue, timing),
    templatesDir: join(REPO_ROOT, 'templates'),
    webBuildDir: join(workspace.home, 'no-web-build'),
    token: null,
    features: NO_FEATURES,
    catalogue: new PipelineCatalogue([join(REPO_ROOT, 'pipelines')]),
    backends: [new ProcessBackend({ path: settings.path, home: settings.home })],
    settings,
    ...overrides,
  };
  const app = await buildApp(ctx);
  return {
    app,
    ctx,
    cleanup: async () => {
      await app.close();
      await ctx.queue.idle();
      await cleanup();
    },
  };
}
