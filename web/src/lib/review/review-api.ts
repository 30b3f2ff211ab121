import {
  ApiErrorBody,
  ErrorCode,
  EventListResponse,
  ReviewResponse,
  SceneListResponse,
  type ReviewAction,
  type SceneListResponse as SceneList,
} from '@studio/node-schemas';
import { ApiError } from '$lib/api';

const id = encodeURIComponent;

async function call<T>(schema: { parse(value: unknown): T } | null, method: string, path: string, body?: unknown): Promise<T> {
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
  return schema ? schema.parse(payload) : (payload as T);
}

/** The review routes (docs/governance.md#review), as the Review panel and the scene badges use them. */
export const reviewApi = {
  scenes: (project: string): Promise<SceneList> => call(SceneListResponse, 'GET', `/api/v1/projects/${id(project)}/scenes`),
  review: (project: string, scene: string, action: ReviewAction, note?: string) =>
    call(ReviewResponse, 'POST', `/api/v1/projects/${id(project)}/scenes/${id(scene)}/review`, { action, ...(note ? { note } : {}) }),
  events: (project: string, scene?: string) => call(EventListResponse, 'GET', `/api/v1/projects/${id(project)}/events${scene ? `?scene=${id(scene)}` : ''}`),
  /** A render of an assembler's cut over REST: a draft (half size, watermarked) is allowed whatever the statuses. */
  render: (project: string, assembler: string, options: { draft?: boolean; force?: boolean } = {}) =>
    call<{ task_id: string; reused: boolean; output?: string }>(null, 'POST', `/api/v1/projects/${id(project)}/render`, { assembler, ...options }),
};
