import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../config.ts';
import { createProject } from '../projects/create-project.ts';
import { commitPaths } from '../projects/git.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { MANIFEST_FILE } from '../projects/layout.ts';
import { ensureWorkspace, workspaceAt } from '../projects/workspace.ts';
import { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { NO_FEATURES, type EngineContext } from '../server/context.ts';
import { handleError } from '../server/error-handler.ts';
import { gitHttpRoutes, type GitHttpOptions } from '../server/routes/git-http.ts';
import { connectS3, type S3Connection } from '../storage/s3-connection.ts';
import { RoomRegistry } from '../sync/room-registry.ts';
import { testSettings } from './test-settings.ts';

export interface GitServer {
  baseUrl: string;
  ctx: EngineContext;
  app: FastifyInstance;
  /** The S3 connection the routes use, when the settings name one. */
  s3: S3Connection | null;
  close: () => Promise<void>;
}

/**
 * An engine app with only the git and LFS routes, listening on a free loopback port, on a fresh
 * workspace: the real git and git-lfs clients talk to it. `env` are settings (S3_*), `token` the
 * startup token of an engine bound beyond loopback.
 */
export async function gitServer({
  env = {},
  token = null,
  options = {},
}: { env?: Record<string, string>; token?: string | null; options?: GitHttpOptions } = {}): Promise<GitServer> {
  const home = await mkdtemp(join(tmpdir(), 'studio-git-http-'));
  const workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  const queue = new GitQueue();
  const ctx: EngineContext = {
    workspace,
    queue,
    rooms: new RoomRegistry(workspace, queue),
    templatesDir: join(REPO_ROOT, 'templates'),
    webBuildDir: join(home, 'no-web-build'),
    token,
    features: NO_FEATURES,
    catalogue: new PipelineCatalogue([]),
    backends: [],
    settings: testSettings(env),
  };
  const app = Fastify({ bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 200 } });
  app.setErrorHandler(handleError);
  const s3 = options.s3 !== undefined ? options.s3 : ctx.settings.s3 ? connectS3(ctx.settings.s3) : null;
  await gitHttpRoutes(app, ctx, { ...options, s3 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    ctx,
    app,
    s3,
    close: async () => {
      await app.close();
      await queue.idle();
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

export interface Take {
  path: string;
  oid: string;
  bytes: Buffer;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A project whose takes (random .mp4 bytes, LFS-tracked by the template) the engine committed itself. */
export async function projectWithTakes(
  ctx: EngineContext,
  { name, takes = 2, bytes = 64 * 1024, tenant }: { name: string; takes?: number; bytes?: number; tenant?: string },
): Promise<{ id: string; dir: string; takes: Take[] }> {
  const { id, dir } = await createProject({ workspace: ctx.workspace, templatesDir: ctx.templatesDir, request: { name } });
  const made: Take[] = [];
  for (let i = 1; i <= takes; i++) {
    const path = `01_Assets/Generative_Assets/SHOT_010_take_${String(i).padStart(3, '0')}.mp4`;
    const content = randomBytes(bytes);
    await writeFile(join(dir, path), content);
    made.push({ path, oid: sha256(content), bytes: content });
  }
  const paths = made.map((t) => t.path);
  if (tenant) {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, tenant }, null, 2));
    paths.push(MANIFEST_FILE);
  }
  await ctx.queue.run(id, () => commitPaths(dir, `${takes} takes of SHOT_010`, paths));
  return { id, dir, takes: made };
}

export class GitClientError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface GitClient {
  home: string;
  /** Runs the real git (and through it git-lfs) in `cwd`; rejects with its stderr on failure. */
  git: (cwd: string, args: string[], env?: Record<string, string>) => Promise<{ stdout: string; stderr: string }>;
  cleanup: () => Promise<void>;
}

/** A git user of its own: a HOME with an identity, no prompts, the system's LFS filters. */
export async function gitClient(): Promise<GitClient> {
  const home = await mkdtemp(join(tmpdir(), 'studio-git-client-'));
  await mkdir(join(home, 'work'), { recursive: true });
  await writeFile(join(home, '.gitconfig'), '[user]\n\tname = Git Client\n\temail = client@example.test\n[init]\n\tdefaultBranch = main\n');
  const git: GitClient['git'] = (cwd, args, env = {}) =>
    new Promise((resolve, reject) => {
      execFile(
        'git',
        args,
        {
          cwd,
          maxBuffer: 64 * 1024 * 1024,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '0', ...env },
        },
        (error, stdout, stderr) => {
          if (error) reject(new GitClientError(`git ${args.join(' ')} failed: ${stderr.trim() || error.message}`, stdout, stderr));
          else resolve({ stdout, stderr });
        },
      );
    });
  return { home, git, cleanup: () => rm(home, { recursive: true, force: true }) };
}
