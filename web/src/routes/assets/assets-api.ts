import type { AssetImage, AssetKind, LibraryTrainingEvent, LoraVersion, TrainingParams } from '@studio/node-schemas';

/** An asset as the engine shows it: the manifest with URLs for its files. */
export interface AssetView {
  id: string;
  name: string;
  kind: AssetKind;
  trigger_word: string;
  description: string;
  cover: string | null;
  cover_url: string | null;
  images: Array<AssetImage & { url: string; thumb_url: string }>;
  versions: Array<LoraVersion & { url: string; sidecar_url: string }>;
  near_duplicates: Array<{ image: string; of: string; distance: number }>;
}

export interface PresetInfo {
  id: string;
  label: string;
  vramGB: number;
  params: TrainingParams;
  optimizer: string;
  args: string[];
}

export interface BaseInfo {
  id: string;
  label: string;
  pipeline: string;
  presets: PresetInfo[];
}

export interface UploadAnswer {
  asset: AssetView;
  added: string[];
  existing: string[];
  refused: Array<{ file: string; code: string; error: string }>;
  near_duplicates: Array<{ image: string; of: string; distance: number }>;
}

export interface TrainingStatus {
  task_id: string;
  status: string;
  step: string | null;
  error: string | null;
  detail?: { asset_id: string; phase: string; train_step: number | null; total_steps: number; loss: number | null; eta_s: number | null; curve: Array<[number, number]>; samples: Array<{ step: number; url: string }> };
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const payload = res.status === 204 ? null : await res.json();
  if (!res.ok) throw Object.assign(new Error(String(payload?.error ?? res.statusText)), { status: res.status, payload });
  return payload as T;
}

export const assetsApi = {
  list: () => call<{ assets: AssetView[] }>('GET', '/api/v1/assets').then((r) => r.assets),
  get: (id: string) => call<AssetView>('GET', `/api/v1/assets/${id}`),
  create: (body: { name: string; kind: AssetKind; trigger_word: string; description?: string }) => call<AssetView>('POST', '/api/v1/assets', body),
  remove: (id: string) => call<null>('DELETE', `/api/v1/assets/${id}`),
  upload: (id: string, files: File[]) => {
    const form = new FormData();
    for (const f of files) form.append('files', f, f.name);
    return call<UploadAnswer>('POST', `/api/v1/assets/${id}/images`, form);
  },
  removeImage: (id: string, image: string) => call<AssetView>('DELETE', `/api/v1/assets/${id}/images/${image}`),
  captions: (id: string, captions: Record<string, { caption?: string; excluded?: boolean }>) => call<AssetView>('PUT', `/api/v1/assets/${id}/captions`, { captions }),
  presets: () => call<{ bases: BaseInfo[] }>('GET', '/api/v1/assets/presets').then((r) => r.bases),
  train: (id: string, body: { base: string; preset: string; params?: Partial<TrainingParams>; resume_from?: string }) => call<{ task_id: string }>('POST', `/api/v1/assets/${id}/train`, body),
  task: (taskId: string) => call<TrainingStatus>('GET', `/api/v1/tasks/${taskId}`),
  cancel: (taskId: string) => call<{ status: string }>('POST', `/api/v1/tasks/${taskId}/cancel`),
};

export type { LibraryTrainingEvent };
