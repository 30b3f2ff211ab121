import { SvelteMap } from 'svelte/reactivity';
import { MediaUploadError, uploadMedia, type ImportedMedia } from './media-upload';

/** One upload in flight or just failed, as a node or the canvas shows it. */
export interface UploadState {
  name: string;
  loaded: number;
  total: number;
  /** The engine's refusal (its 4xx message) or the failure, once it is over. */
  error: string | null;
  /** Where a file dropped on the canvas goes (flow coordinates), for its placeholder card. */
  at?: { x: number; y: number };
}

/**
 * Media uploads of the open canvas, keyed by the node they are for (or a drop on the canvas), so
 * progress survives a node scrolled out of view and back. A failed upload stays until dismissed.
 */
export class MediaUploads {
  readonly #uploads = new SvelteMap<string, UploadState>();
  #drops = 0;

  get(key: string): UploadState | null {
    return this.#uploads.get(key) ?? null;
  }

  /** Uploads dropped on a project's canvas (not yet a node), with their keys. */
  drops(projectId: string): Array<[string, UploadState]> {
    return [...this.#uploads].filter(([key]) => key.startsWith(`${projectId}/drop:`));
  }

  /** The key of a node's upload. */
  nodeKey(projectId: string, nodeId: string): string {
    return `${projectId}/node:${nodeId}`;
  }

  /** A fresh key for a file dropped on a project's canvas. */
  dropKey(projectId: string): string {
    return `${projectId}/drop:${++this.#drops}`;
  }

  dismiss(key: string): void {
    this.#uploads.delete(key);
  }

  /** Uploads a file for a key; resolves with the answer, or null after a failure (shown under the key). */
  async upload(projectId: string, key: string, file: File, at?: { x: number; y: number }): Promise<ImportedMedia | null> {
    if (this.#uploads.get(key)?.error === null) return null; // one upload per target at a time
    this.#uploads.set(key, { name: file.name, loaded: 0, total: file.size, error: null, at });
    try {
      const media = await uploadMedia(projectId, file, (loaded, total) => {
        const current = this.#uploads.get(key);
        if (current) this.#uploads.set(key, { ...current, loaded, total });
      });
      this.#uploads.delete(key);
      return media;
    } catch (error) {
      this.fail(key, file.name, error instanceof MediaUploadError || error instanceof Error ? error.message : String(error), at);
      return null;
    }
  }

  /** Shows a problem under a key without uploading (a file this target does not take). */
  fail(key: string, name: string, message: string, at?: { x: number; y: number }): void {
    this.#uploads.set(key, { name, loaded: 0, total: 0, error: message, at });
  }
}

/** The canvas page's uploads (one canvas is open at a time). */
export const mediaUploads = new MediaUploads();

/** "12.5 of 40.0 MB". */
export function progressText(state: UploadState): string {
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  return state.total ? `${mb(state.loaded)} of ${mb(state.total)} MB` : 'Uploading…';
}

export function percent(state: UploadState): number {
  return state.total ? Math.min(100, Math.round((state.loaded / state.total) * 100)) : 0;
}
