/** Makes a project with a shot wired to a pipeline, through the public API. */
export async function projectWithShot(
  base: string,
  { name, pipelineId, prompt = 'a lighthouse at dusk', extra = {} }: { name: string; pipelineId: string; prompt?: string; extra?: Record<string, unknown> },
) {
  const created = (await (
    await fetch(`${base}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  ).json()) as { id: string };
  const graph = {
    nodes: [
      { id: 'shot-1', type: 'shot', position: { x: 0, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt, ...extra } },
      { id: 'pipe-1', type: 'pipeline', position: { x: -300, y: 0 }, data: { pipelineId } },
    ],
    edges: [{ id: 'e-1', source: 'pipe-1', sourceHandle: 'pipeline', target: 'shot-1', targetHandle: 'pipeline' }],
  };
  const res = await fetch(`${base}/api/v1/projects/${created.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph, version: 1 }),
  });
  if (!res.ok) throw new Error(`cannot save the fixture graph: ${await res.text()}`);
  return created.id;
}

export async function generate(base: string, projectId: string, nodeId = 'shot-1', idempotencyKey?: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/tasks/generate_shot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, node_id: nodeId, ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) }),
  });
  const body = (await res.json()) as { task_id?: string; error?: string };
  if (!body.task_id) throw new Error(`generate refused: ${body.error}`);
  return body.task_id;
}

export async function waitForTask(base: string, taskId: string, until: string[] = ['succeeded', 'failed', 'cancelled'], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await (await fetch(`${base}/api/v1/tasks/${taskId}`)).json()) as { status: string; error: string | null; result: { take: string } | null };
    if (until.includes(status.status)) return status;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${status.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
