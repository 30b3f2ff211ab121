import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { createProject } from '../projects/create-project.ts';
import { GitQueue } from '../projects/git-queue.ts';
import { recoverProject } from '../projects/recover-project.ts';
import { TakeCommitter, type PendingTake } from '../projects/takes/commit-takes.ts';
import { ensureWorkspace, workspaceAt, type Workspace } from '../projects/workspace.ts';
import { soakKnob } from '../testing/soak-knobs.ts';

const FOLDER = '03_Renders/SCENE_01/SHOT_010';
let workspace: Workspace;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const home = await mkdtemp(join(tmpdir(), 'studio-recovery-'));
  workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
  cleanup = () => rm(home, { recursive: true, force: true });
});
afterAll(() => cleanup());

async function project(name: string): Promise<string> {
  const created = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name } });
  return join(workspace.projectsDir, created.id);
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

async function output(name: string, content = `png-bytes-${name}`): Promise<string> {
  const path = join(workspace.home, '.jobs', `${name}.png`);
  await writeFile(path, content);
  return path;
}

function pending(projectDir: string, sourcePath: string, taskId: string): PendingTake {
  return {
    projectId: projectDir.split('/').pop()!,
    projectDir,
    subject: { folder: FOLDER, name: 'SHOT-010' },
    sourcePath,
    fingerprint: 'f1',
    pipeline: 'test-noop',
    seed: 1,
    provenance: { task_id: taskId, pipeline: 'test-noop' },
  };
}

/** Take files and sidecars in the shot folder, by the task that made them. */
async function takesByTask(dir: string): Promise<Map<string, { files: string[]; sidecars: string[] }>> {
  const out = new Map<string, { files: string[]; sidecars: string[] }>();
  const files = await readdir(join(dir, FOLDER)).catch(() => [] as string[]);
  for (const f of files.filter((f) => f.endsWith('.json') && f !== 'takes.json')) {
    const sidecar = JSON.parse(await readFile(join(dir, FOLDER, f), 'utf8')) as { task_id: string; take: string };
    const entry = out.get(sidecar.task_id) ?? { files: [], sidecars: [] };
    entry.sidecars.push(f);
    out.set(sidecar.task_id, entry);
  }
  for (const f of files.filter((f) => f.endsWith('.png'))) {
    const owner = [...out.entries()].find(([, e]) => e.sidecars.includes(f.replace(/\.png$/, '.json')));
    const key = owner?.[0] ?? `(no sidecar) ${f}`;
    const entry = out.get(key) ?? { files: [], sidecars: [] };
    entry.files.push(f);
    out.set(key, entry);
  }
  return out;
}

describe('a retried take job finds its own work (SIGKILL recovery)', () => {
  beforeAll(async () => {
    await import('node:fs/promises').then((fs) => fs.mkdir(join(workspace.home, '.jobs'), { recursive: true }));
  });

  it('retried after its take was placed and committed (the output is gone): the same take, success, no second commit', async () => {
    const dir = await project('Placed Before Kill');
    const source = await output('placed');
    const first = await new TakeCommitter(new GitQueue()).commit(pending(dir, source, 'task-a'));
    const commits = git(dir, 'rev-list', '--count', 'HEAD');
    // A new engine process: a fresh committer, the job's output already moved into the project.
    const again = await new TakeCommitter(new GitQueue()).commit(pending(dir, source, 'task-a'));
    expect(again).toEqual(first);
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe(commits);
    expect((await takesByTask(dir)).get('task-a')).toEqual({ files: ['SHOT-010_v01_take01.png'], sidecars: ['SHOT-010_v01_take01.json'] });
  });

  it('a retry with nothing to place fails without using up a take number or leaving takes.json dirty', async () => {
    const dir = await project('Lost Output');
    await new TakeCommitter(new GitQueue()).commit(pending(dir, await output('one'), 'task-1'));
    const counterBefore = await readFile(join(dir, FOLDER, 'takes.json'), 'utf8');
    await expect(new TakeCommitter(new GitQueue()).commit(pending(dir, join(workspace.home, '.jobs', 'never-made.png'), 'task-lost'))).rejects.toMatchObject({
      code: 'TAKE_OUTPUT_MISSING',
    });
    expect(await readFile(join(dir, FOLDER, 'takes.json'), 'utf8')).toBe(counterBefore);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const next = await new TakeCommitter(new GitQueue()).commit(pending(dir, await output('two'), 'task-2'));
    expect(next.take).toBe(2);
  });

  it('never makes a take of a symlink a pipeline left as its output', async () => {
    const dir = await project('Linked Output');
    const link = join(workspace.home, '.jobs', 'evil.png');
    await symlink('/etc/passwd', link);
    await expect(new TakeCommitter(new GitQueue()).commit(pending(dir, link, 'task-evil'))).rejects.toMatchObject({ code: 'TAKE_OUTPUT_MISSING' });
    expect(await readdir(join(dir, FOLDER)).catch(() => [])).toEqual([]);
  });

  it(
    'SIGKILL at random moments while placing: exactly one take per generation, never one without provenance, git fsck clean',
    async () => {
      const dir = await project('Killed While Placing');
      const runs = soakKnob('RECOVERY_KILLS', 12);
      const child = join(REPO_ROOT, 'engine/src/testing/hardening/place-take-child.ts');
      let killedMidway = 0;
      for (let i = 0; i < runs; i++) {
        const taskId = `kill-${i}`;
        const source = await output(taskId);
        // Its own process group: the kill takes its git processes too, as an engine's SIGKILL does.
        const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, source, taskId], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
        let out = '';
        proc.stdout.on('data', (d) => (out += d));
        const exited = new Promise((r) => proc.once('exit', r));
        await new Promise<void>((resolve) => proc.stdout.on('data', () => out.includes('ready') && resolve()));
        proc.stdin.write('go\n');
        // A kill anywhere from before the first step to after the commit (a place and commit take ~100-300 ms here).
        await new Promise((r) => setTimeout(r, Math.floor((i * 7919) % 500)));
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          // it had finished and exited already
        }
        await exited;
        if (!out.includes('done')) killedMidway++;
        // The next engine starts: start-up recovery (stale git locks, temp files), then the job is
        // taken up again: a fresh committer, the same job data.
        await recoverProject(dir);
        const retried = await new TakeCommitter(new GitQueue()).commit(pending(dir, source, taskId));
        expect(retried.path).toMatch(/SHOT-010_v01_take\d+\.png$/);
        expect(git(dir, 'fsck', '--no-dangling', '--no-progress').trim()).toBe('');
      }
      const byTask = await takesByTask(dir);
      expect([...byTask.keys()].sort()).toEqual(Array.from({ length: runs }, (_, i) => `kill-${i}`).sort());
      for (const [task, entry] of byTask) expect(entry.files.length, task).toBe(1);
      for (const [task, entry] of byTask) expect(entry.sidecars.length, task).toBe(1);
      const numbers = [...byTask.values()].map((e) => Number(/take(\d+)/.exec(e.files[0]!)![1])).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(runs);
      expect(git(dir, 'status', '--porcelain', '--', '03_Renders')).toBe('');
      expect((await stat(join(dir, FOLDER, 'takes.json'))).isFile()).toBe(true);
      console.log(
        `placing under SIGKILL: ${runs} kills (${killedMidway} before the take was done), ${byTask.size} takes, 0 duplicates, 0 without provenance, git fsck clean each time`,
      );
      expect(killedMidway).toBeGreaterThan(0);
    },
    soakKnob('SOAK_TIMEOUT_MS', 300_000),
  );
});
