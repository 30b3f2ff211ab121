import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { InvalidRequestError } from '../../errors.ts';
import { framesToSeconds } from './frame-rate.ts';
import { writeAtomically } from './output-file.ts';
import { verifyOutput } from './probe.ts';
import { renderFilterGraph } from './render-filter-graph.ts';
import type { RenderRequest, RenderResult, Renderer } from './render-types.ts';
import { NotCopyableError, renderSmart } from './render-smart.ts';
import { copyIneligibility } from './smart-plan.ts';
import { loadSources } from './source-lookup.ts';
import { loadTimeline } from './timeline.ts';

export interface FfmpegRendererOptions {
  /** 'auto' (default) copies what it can; 'filter-graph' always re-encodes everything. */
  method?: 'auto' | 'filter-graph';
}

/**
 * Renders with ffmpeg, choosing the cheapest method that gives the same picture: stream copy for
 * whole same-codec takes, smart rendering (encode only around joins) for trims and dissolves
 * between them, one filter graph for anything else. `note` on the result says why.
 */
export class FfmpegRenderer implements Renderer {
  readonly name = 'ffmpeg' as const;
  constructor(private readonly options: FfmpegRendererOptions = {}) {}

  async render(req: RenderRequest): Promise<RenderResult & { note: string }> {
    const started = performance.now();
    checkRequest(req);
    const { signal } = req;
    const progress = (fraction: number, step: string) => req.onProgress?.(Math.min(1, Math.max(0, fraction)), step);
    progress(0, 'reading the list');
    const timeline = await loadTimeline(req);
    signal?.throwIfAborted();
    const workDir = await mkdtemp(join(tmpdir(), 'studio-render-'));
    try {
      const sources = await loadSources(timeline, signal);
      const ineligible =
        this.options.method === 'filter-graph'
          ? 'filter graph requested'
          : copyIneligibility({ timeline, sources: sources.media, width: req.width, height: req.height });
      const { method, note } = await writeAtomically(req.outputPath, async (partial) => {
        const common = { timeline, media: sources.lookup, partial, workDir, signal, progress };
        const verify = (fromIndex: boolean) =>
          verifyOutput({
            path: partial,
            frames: timeline.frames,
            width: req.width,
            height: req.height,
            seconds: framesToSeconds(timeline.frames, timeline.fps),
            fromIndex,
            signal,
          });
        // ffprobe reads only the moov and the first packets of our writer's files, which are on disk
        // once it has written the first 4 MB of samples: it runs while the rest is written.
        let early: Promise<unknown> | null = null;
        const onHeadWritten = () => {
          early = verify(true);
          early.catch(() => undefined);
        };
        let outcome: { method: RenderResult['method']; note: string };
        if (ineligible === null) {
          try {
            outcome = {
              method: await renderSmart({ ...common, sources: sources.media, onHeadWritten }),
              note: 'every source is a same-codec H.264/AAC take',
            };
          } catch (error) {
            if (!(error instanceof NotCopyableError)) throw error;
            early = null;
            outcome = { method: await renderFilterGraph({ ...common, width: req.width, height: req.height }), note: error.message };
          }
        } else outcome = { method: await renderFilterGraph({ ...common, width: req.width, height: req.height }), note: ineligible };
        progress(0.96, 'verifying');
        await (outcome.method === 'filter-graph' ? verify(false) : (early ?? verify(true)));
        return outcome;
      });
      progress(1, 'done');
      return { outputPath: req.outputPath, frames: timeline.frames, method, seconds: (performance.now() - started) / 1000, note };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

export function checkRequest(req: RenderRequest): void {
  if (!isAbsolute(req.outputPath)) throw new InvalidRequestError(`outputPath must be absolute: ${req.outputPath}`, { outputPath: req.outputPath });
  for (const key of ['width', 'height'] as const) {
    const value = req[key];
    // H.264 4:2:0 needs even dimensions.
    if (!Number.isInteger(value) || value < 16 || value > 8192 || value % 2 !== 0)
      throw new InvalidRequestError(`${key} must be an even number of pixels from 16 to 8192, got ${value}`, { [key]: value });
  }
}
