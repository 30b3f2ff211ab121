import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobApp } from '../testing/job-app.ts';
import { projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { projectOfJob, settledJobs } from '../testing/settled-jobs.ts';

let studio: Awaited<ReturnType<typeof jobApp>>;
beforeAll(async () => (studio = await jobApp({ concurrency: 2 })));
afterAll(() => studio?.close());

const submit = (projectId: string, key: string) =>
  fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, node_id: 'shot-1', idempotency_key: key }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { task_id: string; deduplicated: boolean } }));

describe('idempotency keys (real Redis)', () => {
  it('answers ten concurrent requests with one key 202, one task, and says which are duplicates', async () => {
    const id = await projectWithShot(studio.base, { name: 'Ten Clicks', pipelineId: 'test-noop' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit(id, 'double-click')));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((a) => a.body.task_id)).size).toBe(1);
    expect(answers.filter((a) => a.body.deduplicated === false)).toHaveLength(1);
    expect(answers.filter((a) => a.body.deduplicated === true)).toHaveLength(9);
    const taskId = answers[0]!.body.task_id;
    await waitForTask(studio.base, taskId);
    const later = await submit(id, 'double-click');
    expect(later).toEqual({ status: 202, body: { task_id: taskId, deduplicated: true } });
    const jobs = (await settledJobs(studio.connection)).filter((j) => projectOfJob(j) === id && j.queueName === 'cpu@test-noop');
    expect(jobs.map((j) => j.id)).toEqual([taskId]);
  });

  it('gives the key back when the request is refused, so a corrected retry runs', async () => {
    const id = await projectWithShot(studio.base, { name: 'Refused Then Fixed', pipelineId: 'test-noop' });
    const refused = await fetch(`${studio.base}/api/v1/tasks/generate_shot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: id, node_id: 'no-such-node', idempotency_key: 'retry-me' }),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const first = await submit(id, 'retry-me');
    expect(first.body.deduplicated).toBe(false);
  });
});
