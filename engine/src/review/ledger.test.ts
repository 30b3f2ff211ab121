import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerAnswer } from '@studio/node-schemas';
import { jobApp } from '../testing/job-app.ts';
import { testSettings } from '../testing/test-settings.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { projectOfJob, settledJobs } from '../testing/settled-jobs.ts';
import { LEDGER_FILE } from './ledger-file.ts';
import { LedgerBook } from './ledger-book.ts';
import { ledgerRecorder } from './ledger-recorder.ts';
import { chargeMissedJobs } from './ledger-sweep.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
let ratesDir: string;
/** CPU-seconds priced high enough that a test-noop run costs whole credits (the built-in rate makes it a thousandth). */
const RATES = { format: 1, cpu_second: 100 };
beforeAll(async () => {
  ratesDir = await mkdtemp(join(tmpdir(), 'studio-rates-'));
  await writeFile(join(ratesDir, 'rates.json'), JSON.stringify(RATES));
  studio = await jobApp({ concurrency: 2, settings: testSettings({ STUDIO_RATES: join(ratesDir, 'rates.json') }) });
});
afterAll(async () => {
  await studio?.close();
  await rm(ratesDir, { recursive: true, force: true });
});

const ledger = async (id: string) => (await (await fetch(`${studio.base}/api/v1/projects/${id}/ledger`)).json()) as LedgerAnswer;
/** The ledger once it holds `count` entries (a task is charged just after it ends). */
async function ledgerWith(id: string, count: number): Promise<LedgerAnswer> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    const answer = await ledger(id);
    if (answer.entries.length >= count) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ledger of ${id} never reached ${count} entries`);
}
const submit = (body: Record<string, unknown>) =>
  fetch(`${studio.base}/api/v1/tasks/generate_shot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }),
  );
async function setBudget(id: string, budget: number | null) {
  const project = (await (await fetch(`${studio.base}/api/v1/projects/${id}`)).json()) as { version: number };
  const res = await fetch(`${studio.base}/api/v1/projects/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: project.version, budget }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('the cost ledger (real Redis, git, the process backend)', () => {
  it("charges a finished job its CPU-seconds (BullMQ processedOn to finishedOn) at the rate file's CPU rate, once, in a commit by its actor", async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger One', pipelineId: 'test-noop' });
    const taskId = await generate(studio.base, id);
    expect((await waitForTask(studio.base, taskId)).status).toBe('succeeded');
    const { entries, totals } = await ledgerWith(id, 1);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    const job = (await studio.ctx.tasks!.findJob(taskId))!.job;
    const seconds = (job.finishedOn! - job.processedOn!) / 1000;
    expect(entry).toMatchObject({
      format: 1,
      task_id: taskId,
      kind: 'generation',
      node_id: 'shot-1',
      scene: 'SCENE_01',
      user: { kind: 'local', id: 'local' },
      pipeline: 'test-noop',
      quality: 'standard',
      outcome: 'succeeded',
      tier: null,
      gpu_seconds: 0,
      cpu_seconds: seconds,
      rate: RATES.cpu_second,
    });
    expect(entry!.credits).toBeCloseTo(seconds * RATES.cpu_second, 3);
    expect(totals).toMatchObject({ spent: entry!.credits, budget: null, left: null, cpu_seconds: seconds });
    expect(totals.by_scene).toEqual([{ scene: 'SCENE_01', credits: entry!.credits, budget: null, left: null }]);
    // Committed, append-only, authored by the actor.
    const dir = join(studio.home, 'Projects', id);
    // The charge is read back at once; its commit follows in the project's git queue.
    const ledgerLog = () => execFileSync('git', ['log', '--format=%an|%ae|%s', '--', LEDGER_FILE], { cwd: dir, encoding: 'utf8' }).trim();
    await expect.poll(ledgerLog).not.toBe('');
    const log = ledgerLog().split('\n');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(new RegExp(`^Local user\\|local\\.local@local\\.studio\\|Ledger: generation ${taskId} `));
    // Polled: git moves HEAD a moment before the commit's index replaces the real one.
    await expect.poll(() => execFileSync('git', ['status', '--porcelain', '--', LEDGER_FILE], { cwd: dir, encoding: 'utf8' })).toBe('');
  });

  it('charges ten concurrent submissions with one idempotency key, and a later repeat of it, once', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Clicks', pipelineId: 'test-noop' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit({ project_id: id, node_id: 'shot-1', idempotency_key: 'click' })));
    const taskId = answers[0]!.body.task_id as string;
    expect(new Set(answers.map((a) => a.body.task_id))).toEqual(new Set([taskId]));
    await waitForTask(studio.base, taskId);
    await ledgerWith(id, 1);
    expect((await submit({ project_id: id, node_id: 'shot-1', idempotency_key: 'click' })).body).toEqual({ task_id: taskId, deduplicated: true });
    // A second task makes sure the ledger has caught up with everything before counting.
    const other = await generate(studio.base, id);
    await waitForTask(studio.base, other);
    const { entries } = await ledgerWith(id, 2);
    expect(entries.map((e) => e.task_id).sort()).toEqual([taskId, other].sort());
  });

  it('refuses a job that would go over the project budget with 402, what is left and the estimate, and queues nothing', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Budget', pipelineId: 'test-noop' });
    const first = await generate(studio.base, id);
    await waitForTask(studio.base, first);
    const { totals } = await ledgerWith(id, 1);
    // The estimate is the mean of this pipeline's runs in the ledger: one more run does not fit in half of one.
    const budget = Math.round(totals.spent * 1.5 * 1000) / 1000;
    await setBudget(id, budget);
    const refused = await submit({ project_id: id, node_id: 'shot-1', idempotency_key: 'over' });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'BUDGET_EXCEEDED', scope: 'project', budget, spent: totals.spent, estimate: totals.spent });
    expect(refused.body.left).toBeCloseTo(budget - totals.spent, 3);
    expect(String(refused.body.error)).toMatch(/^Over the project budget: this job would cost about [\d.]+ credits and [\d.]+ of [\d.]+ are left/);
    const jobs = (await settledJobs(studio.connection)).filter((j) => projectOfJob(j) === id && j.queueName === 'cpu@test-noop');
    expect(jobs.map((j) => j.id)).toEqual([first]);
    // The key was given back: with the budget raised, the same key runs.
    await setBudget(id, budget * 10);
    const again = await submit({ project_id: id, node_id: 'shot-1', idempotency_key: 'over' });
    expect(again).toMatchObject({ status: 202, body: { deduplicated: false } });
    await waitForTask(studio.base, again.body.task_id as string);
    // Removing the budget (null) lifts the limit; the view says so.
    await setBudget(id, null);
    expect((await ledgerWith(id, 2)).totals).toMatchObject({ budget: null, left: null });
  });

  it("refuses a job over its scene's budget (scope scene, naming the scene) while the project has none", async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Scene', pipelineId: 'test-noop' });
    const first = await generate(studio.base, id);
    await waitForTask(studio.base, first);
    const { totals } = await ledgerWith(id, 1);
    // scenes.json as the review routes write it (04_Project_Files/Review/scenes.json).
    const dir = join(studio.home, 'Projects', id);
    await mkdir(join(dir, '04_Project_Files/Review'), { recursive: true });
    const sceneBudget = Math.round(totals.spent * 1.5 * 1000) / 1000;
    await writeFile(
      join(dir, '04_Project_Files/Review/scenes.json'),
      JSON.stringify({ format: 1, scenes: { SCENE_01: { status: 'draft', budget: sceneBudget }, SCENE_02: { status: 'draft', budget: 5 } } }),
    );
    const refused = await submit({ project_id: id, node_id: 'shot-1' });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'BUDGET_EXCEEDED', scope: 'scene', scene: 'SCENE_01', budget: sceneBudget, spent: totals.spent });
    expect(String(refused.body.error)).toContain('Over the budget of SCENE_01');
    // The view lists each scene's spend against its budget, a budgeted scene without spend too.
    const view = await ledger(id);
    expect(view.totals.by_scene).toEqual([
      { scene: 'SCENE_01', credits: totals.spent, budget: sceneBudget, left: Math.round((sceneBudget - totals.spent) * 1000) / 1000 },
      { scene: 'SCENE_02', credits: 0, budget: 5, left: 5 },
    ]);
  });

  it('charges at start-up, once, a job that ended while no engine listened (the sweep of ended jobs still in Redis)', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Sweep', pipelineId: 'test-noop' });
    const taskId = await generate(studio.base, id);
    await waitForTask(studio.base, taskId);
    const [charged] = (await ledgerWith(id, 1)).entries;
    // As if the charge had never been made: a history without the ledger (the engine never commits this itself).
    const dir = join(studio.home, 'Projects', id);
    // In the project's git queue turn, as the engine's own writes: a canvas commit in flight would otherwise race it.
    await studio.ctx.queue.run(id, async () => {
      execFileSync('git', ['rm', '-q', '--', LEDGER_FILE], { cwd: dir });
      execFileSync('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'test: no ledger'], { cwd: dir });
    });
    const book = new LedgerBook(studio.ctx.queue);
    const record = ledgerRecorder({
      tasks: studio.ctx.tasks!,
      workspace: studio.ctx.workspace,
      book,
      rates: { gpu_second: { '8': 1 }, cpu_second: RATES.cpu_second },
    });
    expect(await chargeMissedJobs({ tasks: studio.ctx.tasks!, record })).toBeGreaterThanOrEqual(1);
    expect(await book.entries(dir)).toEqual([charged]);
    await chargeMissedJobs({ tasks: studio.ctx.tasks!, record });
    expect((await book.entries(dir)).map((e) => e.task_id)).toEqual([taskId]);
  });

  it('brings back a ledger deleted from the working tree from HEAD, and commits lines a crash left appended but uncommitted', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Leftovers', pipelineId: 'test-noop' });
    const first = await generate(studio.base, id);
    await waitForTask(studio.base, first);
    const [charged] = (await ledgerWith(id, 1)).entries;
    // The GET reads the line as soon as it is appended; the file is deleted only once it is committed
    // (deleted before, the commit under way staged the deletion and HEAD never had the first entry).
    await studio.ctx.queue.idle();
    const dir = join(studio.home, 'Projects', id);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    await rm(join(dir, LEDGER_FILE));
    // A line appended before a crash, never committed (another engine's book: this one has never seen the project).
    const book = new LedgerBook(studio.ctx.queue);
    const record = ledgerRecorder({
      tasks: studio.ctx.tasks!,
      workspace: studio.ctx.workspace,
      book,
      rates: { gpu_second: { '8': 1 }, cpu_second: RATES.cpu_second },
    });
    const second = await generate(studio.base, id);
    await waitForTask(studio.base, second);
    await ledgerWith(id, 2);
    // Read back at once; committed in the git queue just after.
    await expect.poll(() => git('status', '--porcelain', '--', LEDGER_FILE)).toBe('');
    // The deleted file came back from HEAD before the next charge: both entries, the first unchanged.
    expect((await book.entries(dir))[0]).toEqual(charged);
    await rm(join(dir, LEDGER_FILE));
    await writeFile(join(dir, LEDGER_FILE), git('show', `HEAD:${LEDGER_FILE}`) + JSON.stringify({ ...charged, task_id: 'gen-left-by-a-crash' }) + '\n');
    await chargeMissedJobs({ tasks: studio.ctx.tasks!, record });
    expect(git('status', '--porcelain', '--', LEDGER_FILE)).toBe('');
    expect(git('log', '-1', '--format=%s', '--', LEDGER_FILE)).toContain('with those a crash left uncommitted');
    expect((await book.entries(dir)).map((e) => e.task_id)).toEqual([first, second, 'gen-left-by-a-crash']);
  });

  it('charges nothing for a failed CPU run (and makes no ledger commit)', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ledger Failed', pipelineId: 'test-fail' });
    const failed = await generate(studio.base, id);
    expect((await waitForTask(studio.base, failed)).status).toBe('failed');
    // A later success is charged after it (one git queue): once it is in, the failure had every chance.
    const dir = join(studio.home, 'Projects', id);
    const ok = await projectWithShot(studio.base, { name: 'Ledger Failed Then Ok', pipelineId: 'test-noop' });
    await waitForTask(studio.base, await generate(studio.base, ok));
    await ledgerWith(ok, 1);
    await studio.ctx.queue.idle();
    expect((await ledger(id)).entries).toEqual([]);
    expect(execFileSync('git', ['log', '--oneline', '--', LEDGER_FILE], { cwd: dir, encoding: 'utf8' })).toBe('');
  });
});
