import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isLoopbackHost, loadConfig } from './config.ts';
import { StudioError } from './errors.ts';
import { requireGitAndLfs } from './health/require-git-lfs.ts';
import { GitQueue } from './projects/git-queue.ts';
import { recoverWorkspace } from './projects/recover-workspace.ts';
import { ensureWorkspace, workspaceAt } from './projects/workspace.ts';
import { lockWorkspace } from './projects/workspace-lock.ts';
import { buildApp } from './server/app.ts';
import { NO_FEATURES } from './server/context.ts';
import { RoomRegistry } from './sync/room-registry.ts';

async function main() {
  const config = loadConfig();
  await requireGitAndLfs();

  const workspace = workspaceAt(config.studioHome);
  await ensureWorkspace(workspace);
  const unlock = await lockWorkspace(workspace);
  const recovered = await recoverWorkspace(workspace);
  for (const line of recovered) console.log(line);

  const token = isLoopbackHost(config.host) ? null : randomBytes(24).toString('base64url');
  const queue = new GitQueue();
  const app = await buildApp({
    workspace,
    queue,
    rooms: new RoomRegistry(workspace, queue),
    templatesDir: join(config.repoRoot, 'templates'),
    webBuildDir: join(config.repoRoot, 'web', 'build'),
    token,
    features: NO_FEATURES,
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`;
  console.log(`Studio engine listening: ${url}`);
  console.log(`Workspace: ${workspace.home}`);
  if (token) console.log('Bound beyond loopback: every /api and /ws request needs the token in the URL above.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await app.close();
    await unlock();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  if (error instanceof StudioError) console.error(`Studio engine cannot start: ${error.message}`);
  else console.error('Studio engine cannot start:', error);
  process.exit(1);
});
