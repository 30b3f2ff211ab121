import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq';
import { z } from 'zod';
import { RenderJobData, type RenderJobResult } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { exportBaseName } from '../assembly/export-name.ts';
import { EXPORTS_DIR } from '../projects/layout.ts';
import { deliverFile } from '../projects/repository/deliver-file.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';
import { attemptFolderName } from './attempt-folder.ts';
import { jobsDir } from './generation-worker.ts';
import { parseJobData } from './parse-job-data.ts';
import type { Renderer } from '../assembly/render/index.ts';
import { burnWatermark } from '../assembly/render/draft-watermark.ts';

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

/**
 * Renders a cut from its EDL into the job's own attempt folder, then hands the movie to the
 * project repository, which moves it into 06_Exports/<title>_<timestamp>.mp4 under a name no
 * earlier render has (two in one second get `-2`, `-3`; an export is never replaced). Exports are
 * deliverables, not history: never committed. The handler never builds a path into the project:
 * a render killed midway leaves nothing there.
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
      // The project is only read here (the takes the EDL names); its one write goes through the repository.
      const projectDir = projectPath(workspace, data.projectId);
      const jobDir = join(jobsDir(workspace), job.id!);
      const attemptDir = join(jobDir, attemptFolderName(job.attemptsMade + 1));
      // What an earlier attempt of this job left (a killed worker skips its cleanup).
      await rm(jobDir, { recursive: true, force: true });
      await mkdir(attemptDir, { recursive: true });
      // A draft is cut first, then watermarked into the movie delivered.
      const movie = join(attemptDir, 'export.mp4');
      const cutPath = draft ? join(attemptDir, 'cut.mp4') : movie;
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
          await burnWatermark({ inputPath: cutPath, outputPath: movie, ...(signal ? { signal } : {}) });
        }
        const at = new Date();
        const output = await deliverFile(projectDir, { name: (copy) => exportPath(data.title, draft, at, copy), from: movie });
        return { output, method: result.method, frames: result.frames, seconds: result.seconds, draft };
      } catch (error) {
        if (signal?.aborted) throw new UnrecoverableError('cancelled');
        if (error instanceof StudioError) throw new UnrecoverableError(error.message);
        throw error;
      } finally {
        await rm(jobDir, { recursive: true, force: true });
      }
    },
    { connection: redis, concurrency },
  );
  worker.on('error', () => undefined);
  return worker;
}
