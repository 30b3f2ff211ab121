import { ApiErrorBody, TakeProvenance } from '@studio/node-schemas';
import { ApiError } from '$lib/api';

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The URL of a take's route family: `/api/v1/projects/:id/takes/<path>/<aspect>`. */
export function takeUrl(projectId: string, take: string, aspect: 'provenance' | 'thumbnail'): string {
  return `/api/v1/projects/${encodeURIComponent(projectId)}/takes/${encodePath(take)}/${aspect}`;
}

/** What a take was made from (GET .../takes/<path>/provenance), read with its contract schema. */
export async function fetchProvenance(projectId: string, take: string, signal?: AbortSignal): Promise<TakeProvenance> {
  const res = await fetch(takeUrl(projectId, take, 'provenance'), { credentials: 'same-origin', signal });
  const payload: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const body = ApiErrorBody.safeParse(payload);
    if (body.success) throw new ApiError(body.data.error, res.status, body.data.code, body.data);
    throw new ApiError(res.statusText || `HTTP ${res.status}`, res.status, 'HTTP_ERROR', {});
  }
  return TakeProvenance.parse(payload);
}
