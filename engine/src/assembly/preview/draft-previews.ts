import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../errors.ts';
import { CACHE_DIR } from '../../projects/layout.ts';
import type { ProjectSource } from '../project-source.ts';
import { compileFromRoom } from '../export-edl.ts';
import { FfmpegRenderer } from '../render/index.ts';

/** Where draft previews go: the cache, never history (docs/project-layout.md#project-folders). */
export const PREVIEWS_DIR = `${CACHE_DIR}/previews`;
/** Long side of a draft preview in pixels: enough to judge timing, cheap to encode. */
export const DRAFT_LONG_SIDE = 384;
const MAX_REMEMBERED = 200;

export interface DraftPreview {
  id: string;
  assemblerId: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** 0-100. */
  progress: number;
  step: string;
  /** Project path of the movie once it is whole. */
  output: string | null;
  frames: number | null;
  error: string | null;
}

export class UnknownPreviewError extends StudioError {
  override readonly code = 'UNKNOWN_PREVIEW';
  override readonly status = 404;
}

/** The size of a draft at an aspect ratio ("16:9"): DRAFT_LONG_SIDE on the long side, even numbers. */
export function draftSize(aspectRatio: string): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const even = (n: number) => Math.max(16, Math.round(n / 2) * 2);
  return w >= h ? { width: DRAFT_LONG_SIDE, height: even((DRAFT_LONG_SIDE * h) / w) } : { width: even((DRAFT_LONG_SIDE * w) / h), height: DRAFT_LONG_SIDE };
}

/**
 * Draft previews of assemblers' cuts: the same list as the final render, rendered at low
 * resolution through ffmpeg in the engine process, with progress, into 05_Cache/previews/. One
 * per assembler at a time: a new one cancels the one before, whose file is removed.
 */
export class DraftPreviews {
  readonly #previews = new Map<string, DraftPreview & { projectId: string; abort: AbortController; done: Promise<void> }>();
  readonly #current = new Map<string, string>();

  async start(args: { room: ProjectSource; assemblerId: string }): Promise<DraftPreview> {
    const { room, assemblerId } = args;
    // Refuses what the export refuses (missing takes, trims outside takes) before anything runs.
    const { sequence, lists } = await compileFromRoom({ room, assemblerId });
    const key = `${room.id}\0${assemblerId}`;
    const previous = this.#current.get(key);
    if (previous) this.cancel(previous);
    const id = `preview-${randomUUID()}`;
    const output = `${PREVIEWS_DIR}/${assemblerId.replace(/[^A-Za-z0-9_-]/g, '_')}-${id.slice(8, 16)}.mp4`;
    const abort = new AbortController();
    const preview: DraftPreview & { projectId: string; abort: AbortController; done: Promise<void> } = {
      id,
      assemblerId,
      projectId: room.id,
      state: 'running',
      progress: 0,
      step: 'queued',
      output: null,
      frames: null,
      error: null,
      abort,
      done: Promise.resolve(),
    };
    this.#previews.set(id, preview);
    this.#current.set(key, id);
    // Keep the answers of the last finished previews only.
    for (const [oldId, old] of this.#previews) {
      if (this.#previews.size <= MAX_REMEMBERED) break;
      if (old.state !== 'running') this.#previews.delete(oldId);
    }
    const size = draftSize(room.projectManifest.project_settings.aspect_ratio);
    preview.done = (async () => {
      try {
        await mkdir(join(room.dir, PREVIEWS_DIR), { recursive: true });
        await removeOlder({ dir: join(room.dir, PREVIEWS_DIR), assemblerId });
        const result = await new FfmpegRenderer().render({
          edlText: lists.join(''),
          rate: sequence.settings.rate,
          dropFrame: sequence.settings.dropFrame,
          projectDir: room.dir,
          outputPath: join(room.dir, output),
          ...size,
          signal: abort.signal,
          onProgress: (fraction, step) => {
            preview.progress = Math.round(fraction * 1000) / 10;
            preview.step = step;
          },
        });
        Object.assign(preview, { state: 'succeeded', progress: 100, step: 'done', output, frames: result.frames });
      } catch (error) {
        Object.assign(
          preview,
          abort.signal.aborted ? { state: 'cancelled', step: 'cancelled' } : { state: 'failed', step: 'failed', error: (error as Error).message },
        );
      }
    })();
    return this.status(id);
  }

  /** A preview's state; with `projectId`, only that project's previews are found. */
  status(id: string, projectId?: string): DraftPreview {
    const preview = this.#previews.get(id);
    if (!preview || (projectId !== undefined && preview.projectId !== projectId)) throw new UnknownPreviewError(`no draft preview ${id}`, { preview: id });
    const { id: _, projectId: __, abort: ___, done: ____, ...rest } = preview;
    return { id, ...rest };
  }

  /** Resolves when the preview has finished, one way or another (tests, shutdown). */
  async settled(id: string): Promise<DraftPreview> {
    await this.#previews.get(id)?.done;
    return this.status(id);
  }

  cancel(id: string): void {
    this.#previews.get(id)?.abort.abort();
  }
}

/** Earlier previews of the same assembler: the cache keeps one per assembler. */
async function removeOlder(args: { dir: string; assemblerId: string }): Promise<void> {
  const prefix = `${args.assemblerId.replace(/[^A-Za-z0-9_-]/g, '_')}-`;
  for (const name of await readdir(args.dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) await rm(join(args.dir, name), { force: true });
  }
}
