import {
  AssetList,
  AssetView,
  CancelAnswer,
  PresetList,
  SubmittedTask,
  TrainingTaskStatus,
  UploadAnswer,
  type AssetKind,
  type BaseInfo,
  type LibraryTrainingEvent,
  type PresetInfo,
  type TrainingParams,
} from '@studio/node-schemas';

export type { AssetView, BaseInfo, PresetInfo, UploadAnswer };
/** A training task as the Asset Manager polls it. */
export type TrainingStatus = TrainingTaskStatus;

/** A contract schema from node-schemas, as far as reading an answer needs it. */
type Reader<T> = { parse(value: unknown): T };

/** DELETE answers 204, no body. */
const NoContent: Reader<null> = { parse: () => null };

async function call<T>(schema: Reader<T>, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const payload = res.status === 204 ? null : await res.json();
  if (!res.ok) throw Object.assign(new Error(String(payload?.error ?? res.statusText)), { status: res.status, payload });
  return schema.parse(payload);
}

export const assetsApi = {
  list: () => call(AssetList, 'GET', '/api/v1/assets').then((r) => r.assets),
  get: (id: string) => call(AssetView, 'GET', `/api/v1/assets/${id}`),
  create: (body: { name: string; kind: AssetKind; trigger_word: string; description?: string }) => call(AssetView, 'POST', '/api/v1/assets', body),
  remove: (id: string) => call(NoContent, 'DELETE', `/api/v1/assets/${id}`),
  upload: (id: string, files: File[]) => {
    const form = new FormData();
    for (const f of files) form.append('files', f, f.name);
    return call(UploadAnswer, 'POST', `/api/v1/assets/${id}/images`, form);
  },
  removeImage: (id: string, image: string) => call(AssetView, 'DELETE', `/api/v1/assets/${id}/images/${image}`),
  captions: (id: string, captions: Record<string, { caption?: string; excluded?: boolean }>) =>
    call(AssetView, 'PUT', `/api/v1/assets/${id}/captions`, { captions }),
  presets: () => call(PresetList, 'GET', '/api/v1/assets/presets').then((r) => r.bases),
  train: (id: string, body: { base: string; preset: string; params?: Partial<TrainingParams>; resume_from?: string }) =>
    call(SubmittedTask, 'POST', `/api/v1/assets/${id}/train`, body),
  task: (taskId: string) => call(TrainingTaskStatus, 'GET', `/api/v1/tasks/${taskId}`),
  cancel: (taskId: string) => call(CancelAnswer, 'POST', `/api/v1/tasks/${taskId}/cancel`),
};

export type { LibraryTrainingEvent };
