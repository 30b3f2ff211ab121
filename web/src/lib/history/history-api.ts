import { ApiErrorBody, ErrorCode, ProjectAnswer, ProjectHistory, RestoredCanvas } from '@studio/node-schemas';
import { ApiError } from '$lib/api';

const id = encodeURIComponent;

async function send<T>(schema: { parse(value: unknown): T }, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const payload: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const parsed = ApiErrorBody.safeParse(payload);
    if (parsed.success) throw new ApiError(parsed.data.error, res.status, parsed.data.code, parsed.data);
    throw new ApiError(res.statusText, res.status, ErrorCode.enum.HTTP_ERROR, {});
  }
  return schema.parse(payload);
}

/** Fork, history and restore (docs/governance.md#fork): what the dashboard and the History panel call. */
export const historyApi = {
  /** A page of the project's commits, newest first, each with its actor and canvas change. */
  page: (project: string, limit: number, skip: number) => send(ProjectHistory, 'GET', `/api/v1/projects/${id(project)}/history?limit=${limit}&skip=${skip}`),
  /** A new project with the history up to `commit` (default: the newest). */
  fork: (project: string, body: { commit?: string; name?: string }) => send(ProjectAnswer, 'POST', `/api/v1/projects/${id(project)}/fork`, body),
  /** Makes the canvas of `commit` the current one, as a new commit. */
  restore: (project: string, commit: string) => send(RestoredCanvas, 'POST', `/api/v1/projects/${id(project)}/restore`, { commit }),
};
