import type { Graph, ProjectManifest, ProjectSummary } from '@studio/node-schemas';

/** An API error with the engine's stable code and data. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly data: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const payload = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const data = typeof payload === 'object' && payload ? (payload as Record<string, unknown>) : {};
    throw new ApiError(String(data.error ?? res.statusText), res.status, String(data.code ?? 'HTTP_ERROR'), data);
  }
  return payload as T;
}

export type ProjectDetail = ProjectManifest & { id: string; name: string; graph: Graph; version: number };

export const api = {
  listProjects: () => call<ProjectSummary[]>('GET', '/api/v1/projects'),
  createProject: (body: { name: string; description?: string; quality?: string; aspect_ratio?: string }) =>
    call<ProjectManifest & { id: string }>('POST', '/api/v1/projects', body),
  getProject: (id: string) => call<ProjectDetail>('GET', `/api/v1/projects/${encodeURIComponent(id)}`),
  updateProject: (id: string, body: Record<string, unknown>) =>
    call<ProjectManifest & { id: string }>('PATCH', `/api/v1/projects/${encodeURIComponent(id)}`, body),
  exportEdl: (id: string, assembler: string) =>
    call<{ files: Array<{ path: string; url: string }> }>('POST', `/api/v1/projects/${encodeURIComponent(id)}/edl`, { assembler }),
  takes: (id: string) => call<Record<string, string[]>>('GET', `/api/v1/projects/${encodeURIComponent(id)}/takes`),
  history: (id: string) => call<Array<{ hash: string; message: string; time: string }>>('GET', `/api/v1/projects/${encodeURIComponent(id)}/history`),
};
