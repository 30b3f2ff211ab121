import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config.ts';
import { createProject } from './projects/create-project.ts';
import { ensureWorkspace, workspaceAt } from './projects/workspace.ts';
import { runEngineToExit, spawnEngine } from './testing/spawn-engine.ts';

/** A loaded machine (the whole suite on 2 cores) can take longer than spawnEngine's default 20 s. */
const STARTUP_TIMEOUT_MS = 120_000;

let home: string;
beforeAll(async () => (home = await mkdtemp(join(tmpdir(), 'studio-startup-'))));
afterAll(() => rm(home, { recursive: true, force: true }));

describe('engine start-up', () => {
  it('exits non-zero without git-lfs, naming the command that installs it', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'studio-nolfs-'));
    await symlink(execFileSync('which', ['git'], { encoding: 'utf8' }).trim(), join(bin, 'git'));
    const { code, output } = await runEngineToExit({ PATH: bin, STUDIO_HOME: join(home, 'nolfs'), HOME: home });
    await rm(bin, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(output).toContain('git-lfs is not installed');
    expect(output).toContain('apt-get install -y git-lfs');
  });

  it('refuses invalid settings before anything starts, naming each variable', async () => {
    const { code, output } = await runEngineToExit({ ...process.env, PORT: 'eighty', RUNNER_BACKEND: 'kubernetes', STUDIO_HOME: join(home, 'bad') } as Record<
      string,
      string
    >);
    expect(code).toBe(1);
    expect(output).toContain(
      'Studio engine cannot start: PORT="eighty": must be a whole number; RUNNER_BACKEND="kubernetes": must be one of auto, docker, process',
    );
  });

  it('stays open on loopback', async () => {
    const engine = await spawnEngine({ env: { STUDIO_HOME: join(home, 'loop'), HOST: '127.0.0.1' } });
    try {
      expect(engine.url).not.toContain('token=');
      expect((await fetch(`${engine.baseUrl}/api/v1/projects`)).status).toBe(200);
    } finally {
      await engine.stop();
    }
  });

  it('starts as `npm start` starts it (launch.mjs, plain Node), from the bundle, and answers', async () => {
    const engine = await spawnEngine({ env: { STUDIO_HOME: join(home, 'launch'), HOST: '127.0.0.1' }, entry: 'launch', timeoutMs: STARTUP_TIMEOUT_MS });
    try {
      expect((await fetch(`${engine.baseUrl}/api/v1/projects`)).status).toBe(200);
      expect(engine.output()).not.toContain('running from the sources');
    } finally {
      await engine.stop();
    }
  });

  it('refuses a second engine on the same workspace', async () => {
    const engine = await spawnEngine({ env: { STUDIO_HOME: join(home, 'locked') } });
    try {
      const second = await runEngineToExit({ ...process.env, PORT: '0', STUDIO_HOME: join(home, 'locked') } as Record<string, string>);
      expect(second.code).not.toBe(0);
      expect(second.output).toContain('another engine');
    } finally {
      await engine.stop();
    }
  });

  it('bound beyond loopback, prints a token URL and refuses /api and /ws without the token', async () => {
    const engine = await spawnEngine({ env: { STUDIO_HOME: join(home, 'open'), HOST: '0.0.0.0' } });
    try {
      const token = new URL(engine.url).searchParams.get('token');
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const base = engine.baseUrl.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${base}/api/v1/projects`)).status).toBe(401);
      expect((await fetch(`${base}/api/v1/projects`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${base}/ws/some-project`)).status).toBe(401);
      expect((await fetch(`${base}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${base}/api/v1/projects?token=${token}`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/health`, { headers: { cookie: `studio_token=${token}` } })).status).toBe(200);
      // Opening the printed URL sets the cookie and drops the token from the address bar.
      const page = await fetch(`${base}/?token=${token}`, { redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('set-cookie')).toContain(`studio_token=${token}`);
      expect(page.headers.get('location')).toBe('/');
    } finally {
      await engine.stop();
    }
  });

  it('answers before every project is recovered, recovers the one opened first, then all of them in the background', async () => {
    const studioHome = join(home, 'many');
    const workspace = workspaceAt(studioHome);
    await ensureWorkspace(workspace);
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const { id, dir } = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: `Reel ${i}` } });
      await writeFile(join(dir, '.git', 'index.lock'), ''); // as a killed git leaves it
      await writeFile(join(dir, '04_Project_Files', 'EDLs', 'left-behind.edl'), 'TITLE: left behind\n');
      ids.push(id);
    }
    const engine = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
    try {
      const last = ids.at(-1)!;
      const list = await fetch(`${engine.baseUrl}/api/v1/projects?limit=5`);
      expect(list.status).toBe(200);
      expect(list.headers.get('x-total-count')).toBe('24');
      expect(((await list.json()) as unknown[]).length).toBe(5);
      expect((await fetch(`${engine.baseUrl}/api/v1/projects/${last}`)).status).toBe(200);
      const lastDir = join(workspace.projectsDir, last);
      expect(existsSync(join(lastDir, '.git', 'index.lock'))).toBe(false);
      expect(execFileSync('git', ['status', '--porcelain'], { cwd: lastDir, encoding: 'utf8' })).toBe('');
      expect(execFileSync('git', ['log', '-1', '--format=%s'], { cwd: lastDir, encoding: 'utf8' })).toContain('Recover uncommitted changes');

      const deadline = Date.now() + 60_000;
      while (ids.some((id) => existsSync(join(workspace.projectsDir, id, '.git', 'index.lock'))) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      for (const id of ids) expect(existsSync(join(workspace.projectsDir, id, '.git', 'index.lock'))).toBe(false);
      while (engine.output().split('committed changes left uncommitted').length - 1 < 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(engine.output().split('committed changes left uncommitted').length - 1).toBe(24);
    } finally {
      await engine.stop();
    }
  }, 120_000);

  it('after a clean stop recovers nothing at the next start; after a SIGKILL it recovers every project again', async () => {
    const studioHome = join(home, 'clean-stop');
    const workspace = workspaceAt(studioHome);
    await ensureWorkspace(workspace);
    for (let i = 0; i < 3; i++) await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: `Reel ${i}` } });
    const mark = join(studioHome, '.index', 'clean-stop');
    const waitFor = async (engine: Awaited<ReturnType<typeof spawnEngine>>, text: string) => {
      const deadline = Date.now() + 60_000;
      while (!engine.output().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(engine.output()).toContain(text);
    };

    const first = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
    await waitFor(first, 'Recovery done: 3 projects checked');
    await first.stop();
    expect(existsSync(mark)).toBe(true);

    const second = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
    await waitFor(second, 'Recovery: none needed after a clean stop');
    // Taken at start: a crash of this run leaves nothing that says the stop was clean.
    expect(existsSync(mark)).toBe(false);
    await second.killHard();

    const third = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
    try {
      await waitFor(third, 'Recovery done: 3 projects checked');
    } finally {
      await third.stop();
    }
  }, 240_000);

  it('survives SIGKILL during commits: git fsck accepts the repository, the next start clears the lock and carries on', async () => {
    const studioHome = join(home, 'crash');
    let engine = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
    const created = (await (
      await fetch(`${engine.baseUrl}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Crash"}' })
    ).json()) as { id: string };
    const dir = join(studioHome, 'Projects', created.id);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

    for (let round = 0; round < 4; round++) {
      const current = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${created.id}`)).json()) as { version: number };
      let version = current.version;
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          const nodes = Array.from({ length: 200 }, (_, n) => ({
            id: `n${n}`,
            type: 'shot',
            position: { x: n * 10 + i, y: round },
            data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: `round ${round} save ${i}` },
          }));
          const res = await fetch(`${engine.baseUrl}/api/v1/projects/${created.id}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ graph: { nodes, edges: [] }, version }),
          }).catch(() => null);
          if (!res) return;
          if (res.ok) version = ((await res.json()) as { version: number }).version;
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + round * 97));
      await engine.killHard();
      stop = true;
      await writer;

      if (round === 3) await writeFile(join(dir, '.git', 'index.lock'), ''); // as git leaves it when killed holding the lock
      expect(() => git('fsck', '--full', '--no-progress')).not.toThrow();

      engine = await spawnEngine({ env: { STUDIO_HOME: studioHome }, timeoutMs: STARTUP_TIMEOUT_MS });
      // Recovery runs in the background; opening a project waits for (and hurries) its own.
      const now = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${created.id}`)).json()) as { version: number };
      expect(existsSync(join(dir, '.git', 'index.lock'))).toBe(false);
      // What the journal replays is committed after the debounce, so wait for it rather than race it.
      await expect.poll(() => git('status', '--porcelain'), { timeout: 20_000 }).toBe('');
      const res = await fetch(`${engine.baseUrl}/api/v1/projects/${created.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graph: { nodes: [], edges: [] }, version: now.version }),
      });
      expect(res.status).toBe(200);
      if (round === 3) expect(engine.output()).toContain('removed stale git locks');
    }
    await engine.stop();
    expect(() => git('fsck', '--full', '--no-progress')).not.toThrow();
  }, 240_000);
});
