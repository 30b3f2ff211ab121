import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq';
import { z } from 'zod';
import { RenderJobData, type RenderJobResult } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { exportBaseName } from '../assembly/export-name.ts';
import { EXPORTS_DIR } from '../projects/layout.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';
import { parseJobData } from './parse-job-data.ts';
import type { Renderer } from '../assembly/render/index.ts';
import { burnWatermark } from '../assembly/render/draft-watermark.ts';
import { partialPath } from '../assembly/render/output-file.ts';

export const RENDER_QUEUE = 'render';

/** The render queue's payload and result are zod schemas in node-schemas; the worker parses them at its edge. */
export { RenderJobData, RenderJobResult } from '@studio/node-schemas';

/**
 * What a render job carries beside RenderJobData: whether it is a draft (already at its lower size;
 * the worker burns the DRAFT watermark in) and its input signature (render reuse).
 */
export const RenderJobExtras = z.object({ draft: z.boolean().default(false), signature: z.string().max(128).optional() });
export type RenderJobExtras = z.infer<typeof RenderJobExtras>;

/** The export's project path: a draft says DRAFT in its name, so it never takes a final render's place. */
export function exportPath(title: string, draft: boolean, at = new Date(), copy = 1): string {
  return `${EXPORTS_DIR}/${exportBaseName(title, at)}${copy > 1 ? `-${copy}` : ''}${draft ? '_DRAFT' : ''}.mp4`;
}

/** An export name no earlier render has: two renders in one second get `-2`, `-3` (an export is never replaced). */
async function freeExportPath(projectDir: string, title: string, draft: boolean): Promise<string> {
  const at = new Date();
  for (let copy = 1; ; copy++) {
    const candidate = exportPath(title, draft, at, copy);
    if (!(await stat(join(projectDir, candidate)).catch(() => null))) return candidate;
  }
}

/**
 * Renders a cut from its EDL into 06_Exports/<title>_<timestamp>.mp4 (exports are deliverables,
 * not history: never committed). The renderer writes to a temporary name and renames into place,
 * so a render killed midway leaves nothing there.
 */
export function startRenderWorker({
  workspace,
  redis,
  renderer,
  concurrency = 1,
}: {
  workspace: Workspace;
  redis: RedisOptions;
  renderer: (backend: 'ffmpeg' | 'editly') => Renderer;
  concurrency?: number;
}) {
  const worker = new Worker<RenderJobData, RenderJobResult>(
    RENDER_QUEUE,
    async (job: Job<RenderJobData>, _token?: string, signal?: AbortSignal) => {
      const data = parseJobData(RenderJobData, job);
      const { draft } = parseJobData(RenderJobExtras, job);
      const projectDir = projectPath(workspace, data.projectId);
      const output = await freeExportPath(projectDir, data.title, draft);
      await mkdir(join(projectDir, EXPORTS_DIR), { recursive: true });
      // A draft is cut beside its final name first, then watermarked into place.
      const cutPath = draft ? partialPath(join(projectDir, output)) : join(projectDir, output);
      let last = 0;
      try {
        const result = await renderer(data.backend).render({
          edlText: data.edlText,
          rate: data.rate,
          dropFrame: data.dropFrame,
          projectDir,
          outputPath: cutPath,
          width: data.width,
          height: data.height,
          signal,
          onProgress: (fraction, step) => {
            if (Date.now() - last < 200 && fraction < 1) return;
            last = Date.now();
            void job.updateProgress({ progress: Math.round(fraction * 1000) / 10, step }).catch(() => undefined);
          },
        });
        if (draft) {
          void job.updateProgress({ progress: 99, step: 'watermarking the draft' }).catch(() => undefined);
          await burnWatermark({ inputPath: cutPath, outputPath: join(projectDir, output), ...(signal ? { signal } : {}) });
        }
        return { output, method: result.method, frames: result.frames, seconds: result.seconds, draft };
      } catch (error) {
        if (signal?.aborted) throw new UnrecoverableError('cancelled');
        if (error instanceof StudioError) throw new UnrecoverableError(error.message);
        throw error;
      } finally {
        if (draft) await rm(cutPath, { force: true });
      }
    },
    { connection: redis, concurrency },
  );
  worker.on('error', () => undefined);
  return worker;
}
