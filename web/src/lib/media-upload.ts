import { ApiErrorBody } from '@studio/node-schemas';

export type ImportedMediaKind = 'image' | 'video' | 'audio';

/** The answer of POST /api/v1/projects/:id/media: where the file now lives in the project, and what it is. */
export interface ImportedMedia {
  path: string;
  url: string;
  kind: ImportedMediaKind;
  sha256: string;
  width?: number;
  height?: number;
  duration?: number;
  fps?: number;
  codec?: string;
  thumbnail: string | null;
  thumbnail_url: string | null;
  deduplicated: boolean;
}

/** A refused or failed upload: the engine's message and catalogue code when it answered, else what went wrong. */
export class MediaUploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

const KINDS: readonly string[] = ['image', 'video', 'audio'];

function readAnswer(status: number, text: string): ImportedMedia {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (status >= 200 && status < 300) {
    const media = body as ImportedMedia | null;
    if (!media || typeof media.path !== 'string' || !KINDS.includes(media.kind))
      throw new MediaUploadError('The engine answered the upload with something unreadable', status, 'HTTP_ERROR');
    return media;
  }
  const error = ApiErrorBody.safeParse(body);
  if (error.success) throw new MediaUploadError(error.data.error, status, error.data.code);
  throw new MediaUploadError(status === 413 ? 'The file is larger than this engine takes' : `Upload failed (HTTP ${status})`, status, 'HTTP_ERROR');
}

/**
 * Uploads one file into a project's 01_Assets/Source_Media (XMLHttpRequest: fetch reports no upload
 * progress). The engine decides the kind from the bytes; a refusal rejects with its message.
 */
export function uploadMedia(projectId: string, file: File, onProgress: (loaded: number, total: number) => void, signal?: AbortSignal): Promise<ImportedMedia> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/projects/${encodeURIComponent(projectId)}/media`);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      try {
        resolve(readAnswer(xhr.status, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(new MediaUploadError('Upload failed: the engine could not be reached', 0, 'NETWORK'));
    xhr.onabort = () => reject(new MediaUploadError('Upload cancelled', 0, 'ABORTED'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** The kind a browser guesses for a file from its name (the engine checks the bytes); null when it is none of ours. */
export function guessedKind(file: File): ImportedMediaKind | null {
  const major = file.type.split('/')[0] ?? '';
  return KINDS.includes(major) ? (major as ImportedMediaKind) : null;
}
