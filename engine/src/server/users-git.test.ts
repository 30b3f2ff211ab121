import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authServiceFor } from '../auth/auth-service.ts';
import { REPO_ROOT } from '../config.ts';
import { createProject } from '../projects/create-project.ts';
import { rawTarget, UPGRADE_HEADERS } from '../testing/raw-http.ts';
import { testApp } from '../testing/temp-workspace.ts';
import { testSettings } from '../testing/test-settings.ts';
import type { EngineContext } from './context.ts';
import { JobTokens } from '../jobs/stateless/job-token.ts';

const runningJobs = new Set<string>();

const run = promisify(execFile);
let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let port: number;
let scratch: string;
let projectId: string;
const token: Record<string, string> = {};

/** The real git client, never asking on a terminal: credentials come from the URL or not at all. */
async function git(args: string[], cwd = scratch): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run('git', args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: scratch, GIT_TERMINAL_PROMPT: '0', GIT_LFS_SKIP_SMUDGE: '1' },
    });
    return { ok: true, out: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
const url = (user: string, secret: string, tenant = 'acme') => `http://${user}:${encodeURIComponent(secret)}@127.0.0.1:${port}/git/${tenant}/${projectId}.git`;

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp({ settings: testSettings({ STUDIO_AUTH: 'users' }), jobTokens: undefined }));
  // Job tokens live while their job runs; here the test says which jobs run.
  ctx.jobTokens = new JobTokens(ctx.workspace.home, async (job) => runningJobs.has(job));
  authServiceFor(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  scratch = await mkdtemp(join(tmpdir(), 'studio-users-git-'));
  const users = authServiceFor(ctx).users;
  await users.add({ username: 'alice', tenant: 'acme', password: 'alice password' });
  await users.add({ username: 'bob', tenant: 'beta', password: 'bob password!' });
  await users.add({ username: 'rita', tenant: 'acme', password: 'rita password', scopes: ['projects:read'] });
  const made = await createProject({
    workspace: ctx.workspace,
    templatesDir: join(REPO_ROOT, 'templates'),
    request: { name: 'Acme Reel' },
    tenant: 'acme',
    actor: { kind: 'user', id: 'alice', name: 'alice', tenant: 'acme' },
  });
  projectId = made.id;
  for (const [name, password] of [
    ['alice', 'alice password'],
    ['bob', 'bob password!'],
    ['rita', 'rita password'],
  ]) {
    const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: name, password } });
    token[name!] = (res.json() as { access_token: string }).access_token;
  }
});
afterAll(async () => {
  await cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe('multi-user mode: a worker job token', () => {
  it('clones its one project over git and reaches nothing else', async () => {
    const other = await createProject({
      workspace: ctx.workspace,
      templatesDir: join(REPO_ROOT, 'templates'),
      request: { name: 'Acme Other' },
      tenant: 'acme',
    });
    runningJobs.add('gen-1234');
    const job = await ctx.jobTokens!.mint({ tenant: 'acme', project: projectId, job: 'gen-1234', worker: 'gpu-3' });
    expect((await git(['clone', url('worker', job), 'job-clone'])).ok).toBe(true);
    const elsewhere = await git(['clone', `http://worker:${job}@127.0.0.1:${port}/git/acme/${other.id}.git`, 'job-other']);
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.out).toMatch(/not found|404/);
    const rest = await app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}`, headers: { authorization: `Bearer ${job}` } });
    expect(rest.statusCode).toBe(403);
    expect(rest.json()).toMatchObject({ code: 'FORBIDDEN' });
    const socket = await rawTarget(port, 'GET', `/ws/${projectId}?protocol=1`, { ...UPGRADE_HEADERS, authorization: `Bearer ${job}` });
    expect(socket.status).toBe(403);
    // The job ended (or another worker took it over): its token reaches nothing any more.
    runningJobs.delete('gen-1234');
    const late = await git(['clone', url('worker', job), 'job-late']);
    expect(late.ok).toBe(false);
  });
});

describe('multi-user mode: git clients authenticate with HTTP Basic', () => {
  it('clones with user:token and with user:password; the history names the user who made the project', async () => {
    const byToken = await git(['clone', url('alice', token.alice!), 'by-token']);
    expect(byToken.out).not.toContain('fatal');
    expect(byToken.ok).toBe(true);
    expect((await git(['log', '--format=%an <%ae>'], join(scratch, 'by-token'))).out.trim()).toBe('alice <user.alice@acme.studio>');
    const byPassword = await git(['clone', url('alice', 'alice password'), 'by-password']);
    expect(byPassword.ok).toBe(true);
  });

  it('refuses no credentials, a wrong password and another tenant (whose project it does not reveal)', async () => {
    const bare = await git(['clone', `http://127.0.0.1:${port}/git/acme/${projectId}.git`, 'bare']);
    expect(bare.ok).toBe(false);
    expect(bare.out).toMatch(/Authentication failed|could not read Username/);
    const wrong = await git(['clone', url('alice', 'not it'), 'wrong']);
    expect(wrong.ok).toBe(false);
    expect(wrong.out).toMatch(/Authentication failed/);
    for (const [name, secret] of [
      ['bob', token.bob!],
      ['bob', 'bob password!'],
    ]) {
      for (const tenant of ['acme', 'beta']) {
        const theirs = await git(['clone', url(name!, secret!, tenant), `bob-${tenant}-${secret!.length}`]);
        expect(theirs.ok).toBe(false);
        expect(theirs.out).toMatch(/not found|404/);
      }
    }
  });

  it('a read-only user clones and cannot push', async () => {
    expect((await git(['clone', url('rita', token.rita!), 'rita'])).ok).toBe(true);
    const dir = join(scratch, 'rita');
    await writeFile(join(dir, 'NOTE.txt'), 'from rita\n');
    await git(['-c', 'user.name=rita', '-c', 'user.email=rita@x', 'commit', '-qam', 'note', '--allow-empty'], dir);
    const push = await git(['push', 'origin', 'HEAD:refs/heads/rita/note'], dir);
    expect(push.ok).toBe(false);
    expect(push.out).toMatch(/403|projects:write/);
  });
});
