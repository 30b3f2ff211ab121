import {
  ApiErrorBody,
  AuthModeAnswer,
  SessionAnswer,
  DraftPreviewStatus,
  EdlCheck,
  EdlExport,
  ErrorCode,
  ListedProject,
  ProjectAnswer,
  ProjectHistory,
  ProjectSummary,
  TakesByNode,
  TakesPage,
  type ProjectDetail,
} from '@studio/node-schemas';

/** An API error with the engine's stable code (from the ERROR_CODES catalogue) and data. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: ApiErrorBody['code'],
    readonly data: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A contract schema from node-schemas, as far as reading an answer needs it. */
type Reader<T> = { parse(value: unknown): T };

/**
 * Calls the engine and reads the answer with its contract schema; `null` only types it (a big graph
 * is checked by the sync client). An error answer is an ApiError with the engine's code; a 401 in
 * multi-user mode goes to the sign-in page. Every client of the engine's routes uses it.
 */
export async function call<T>(schema: Reader<T> | null, method: string, path: string, body?: unknown): Promise<T> {
  return (await request(schema, method, path, body)).payload;
}

async function request<T>(schema: Reader<T> | null, method: string, path: string, body?: unknown): Promise<{ payload: T; headers: Headers }> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const payload: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const parsed = ApiErrorBody.safeParse(payload);
    if (res.status === 401 && parsed.success) toSignIn();
    if (parsed.success) throw new ApiError(parsed.data.error, res.status, parsed.data.code, parsed.data);
    throw new ApiError(res.statusText, res.status, ErrorCode.enum.HTTP_ERROR, {});
  }
  return { payload: schema ? schema.parse(payload) : (payload as T), headers: res.headers };
}

/**
 * Multi-user mode: the engine refused the session (none, or expired): the sign-in page, coming back
 * here after. The token itself lives in an HttpOnly cookie the engine sets (POST /auth/session), so
 * every fetch, WebSocket and media URL of this origin carries it and no page script can read it.
 */
export function toSignIn(): void {
  if (typeof location === 'undefined' || location.pathname === '/signin') return;
  location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
}

/** A dashboard card: the summary with how much history and how many takes the project holds. */
export type { DraftPreviewStatus, ListedProject, ProjectDetail };

const id = encodeURIComponent;

export const api = {
  listProjects: () => call(ProjectSummary.array(), 'GET', '/api/v1/projects'),
  /** A page of projects, newest change first, and how many there are in all. */
  listProjectsPage: async (limit: number, skip: number) => {
    const { payload, headers } = await request(ListedProject.array(), 'GET', `/api/v1/projects?limit=${limit}&skip=${skip}`);
    return { projects: payload, total: Number(headers.get('x-total-count') ?? payload.length) };
  },
  /** A page of a node's takes, newest first; `before` is the take number the previous page ended at. */
  takesPage: (project: string, nodeId: string, limit: number, before?: number) =>
    call(TakesPage, 'GET', `/api/v1/projects/${id(project)}/takes?node=${id(nodeId)}&limit=${limit}${before ? `&before=${before}` : ''}`),
  createProject: (body: { name: string; description?: string; quality?: string; aspect_ratio?: string; frame_rate?: string }) =>
    call(ProjectAnswer, 'POST', '/api/v1/projects', body),
  getProject: (project: string) => call<ProjectDetail>(null, 'GET', `/api/v1/projects/${id(project)}`),
  updateProject: (project: string, body: Record<string, unknown>) => call(ProjectAnswer, 'PATCH', `/api/v1/projects/${id(project)}`, body),
  exportEdl: (project: string, assembler: string) => call(EdlExport, 'POST', `/api/v1/projects/${id(project)}/edl`, { assembler }),
  /** A fast low-resolution render of an assembler's cut, for checking timing; poll previewStatus for progress. */
  startPreview: (project: string, assembler: string) => call(DraftPreviewStatus, 'POST', `/api/v1/projects/${id(project)}/preview`, { assembler }),
  previewStatus: (project: string, previewId: string) => call(DraftPreviewStatus, 'GET', `/api/v1/projects/${id(project)}/preview/${id(previewId)}`),
  /** What the assembler's cut will do differently from what was asked, with its takes probed, before export. */
  checkEdl: (project: string, assembler: string) => call(EdlCheck, 'GET', `/api/v1/projects/${id(project)}/edl/check?assembler=${id(assembler)}`),
  takes: (project: string) => call(TakesByNode, 'GET', `/api/v1/projects/${id(project)}/takes`),
  /** Each generating node's newest `limit` takes, newest first: what a canvas needs to open. */
  newestTakes: (project: string, limit: number) => call(TakesByNode, 'GET', `/api/v1/projects/${id(project)}/takes?limit=${limit}`),
  history: (project: string) => call(ProjectHistory, 'GET', `/api/v1/projects/${id(project)}/history`),
  /** `none` (the loopback default) or `users` (sign-in needed); open to anyone. */
  /** The auth mode in the engine's answer to requestAuthMode (auth-mode.ts); 'none' when it says nothing readable. */
  authModeOf: (answer: unknown) => {
    const parsed = AuthModeAnswer.safeParse(answer);
    return parsed.success ? parsed.data.mode : 'none';
  },
  /** Who is signed in, or null when nobody is (a 401: no session or an expired one). */
  session: async () => {
    const res = await fetch('/api/v1/auth/session', { credentials: 'same-origin' });
    if (res.status === 401) return null;
    if (!res.ok) throw new ApiError(res.statusText, res.status, ErrorCode.enum.HTTP_ERROR, {});
    return SessionAnswer.parse(await res.json());
  },
  /** Checks the name and password; the engine keeps the token in an HttpOnly cookie. Throws ApiError (401 INVALID_CREDENTIALS, 429). */
  signIn: (username: string, password: string) => call(SessionAnswer, 'POST', '/auth/session', { username, password }),
  signOut: async () => {
    await fetch('/auth/session', { method: 'DELETE', credentials: 'same-origin' });
  },
};
