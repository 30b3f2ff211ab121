import type { Graph, ListedProject, ProjectManifest, ProjectSummary, SequenceWarning } from '@studio/node-schemas';

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
  return (await request<T>(method, path, body)).payload;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<{ payload: T; headers: Headers }> {
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
  return { payload: payload as T, headers: res.headers };
}

/** A dashboard card: the summary with how much history and how many takes the project holds. */
export type { ListedProject };

export type ProjectDetail = ProjectManifest & { id: string; name: string; graph: Graph; version: number };

export interface DraftPreviewStatus {
  id: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  step: string;
  url: string | null;
  error: string | null;
}

export const api = {
  listProjects: () => call<ProjectSummary[]>('GET', '/api/v1/projects'),
  /** A page of projects, newest change first, and how many there are in all. */
  listProjectsPage: async (limit: number, skip: number) => {
    const { payload, headers } = await request<ListedProject[]>('GET', `/api/v1/projects?limit=${limit}&skip=${skip}`);
    return { projects: payload, total: Number(headers.get('x-total-count') ?? payload.length) };
  },
  /** A page of a node's takes, newest first; `before` is the take number the previous page ended at. */
  takesPage: (id: string, nodeId: string, limit: number, before?: number) =>
    call<{ takes: string[]; total: number; next_before: number | null }>(
      'GET',
      `/api/v1/projects/${encodeURIComponent(id)}/takes?node=${encodeURIComponent(nodeId)}&limit=${limit}${before ? `&before=${before}` : ''}`,
    ),
  createProject: (body: { name: string; description?: string; quality?: string; aspect_ratio?: string; frame_rate?: string }) =>
    call<ProjectManifest & { id: string }>('POST', '/api/v1/projects', body),
  getProject: (id: string) => call<ProjectDetail>('GET', `/api/v1/projects/${encodeURIComponent(id)}`),
  updateProject: (id: string, body: Record<string, unknown>) =>
    call<ProjectManifest & { id: string }>('PATCH', `/api/v1/projects/${encodeURIComponent(id)}`, body),
  exportEdl: (id: string, assembler: string) =>
    call<{ files: Array<{ path: string; url: string }>; warnings?: SequenceWarning[] }>('POST', `/api/v1/projects/${encodeURIComponent(id)}/edl`, { assembler }),
  /** A fast low-resolution render of an assembler's cut, for checking timing; poll previewStatus for progress. */
  startPreview: (id: string, assembler: string) => call<DraftPreviewStatus>('POST', `/api/v1/projects/${encodeURIComponent(id)}/preview`, { assembler }),
  previewStatus: (id: string, previewId: string) => call<DraftPreviewStatus>('GET', `/api/v1/projects/${encodeURIComponent(id)}/preview/${encodeURIComponent(previewId)}`),
  /** What the assembler's cut will do differently from what was asked, with its takes probed, before export. */
  checkEdl: (id: string, assembler: string) =>
    call<{ frames: number; fps: string; warnings: SequenceWarning[] }>('GET', `/api/v1/projects/${encodeURIComponent(id)}/edl/check?assembler=${encodeURIComponent(assembler)}`),
  takes: (id: string) => call<Record<string, string[]>>('GET', `/api/v1/projects/${encodeURIComponent(id)}/takes`),
  /** Each generating node's newest `limit` takes, newest first: what a canvas needs to open. */
  newestTakes: (id: string, limit: number) => call<Record<string, string[]>>('GET', `/api/v1/projects/${encodeURIComponent(id)}/takes?limit=${limit}`),
  history: (id: string) => call<Array<{ hash: string; message: string; time: string }>>('GET', `/api/v1/projects/${encodeURIComponent(id)}/history`),
};
