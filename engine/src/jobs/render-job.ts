import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq';
import { RenderJobData, type RenderJobResult } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { exportBaseName } from '../assembly/export-name.ts';
import { EXPORTS_DIR } from '../projects/layout.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';
import { parseJobData } from './parse-job-data.ts';
import type { Renderer } from '../assembly/render/index.ts';

export const RENDER_QUEUE = 'render';

/** The render queue's payload and result are zod schemas in node-schemas; the worker parses them at its edge. */
export { RenderJobData, RenderJobResult } from '@studio/node-schemas';

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
      const projectDir = projectPath(workspace, data.projectId);
      const output = `${EXPORTS_DIR}/${exportBaseName(data.title)}.mp4`;
      await mkdir(join(projectDir, EXPORTS_DIR), { recursive: true });
      let last = 0;
      try {
        const result = await renderer(data.backend).render({
          edlText: data.edlText,
          rate: data.rate,
          dropFrame: data.dropFrame,
          projectDir,
          outputPath: join(projectDir, output),
          width: data.width,
          height: data.height,
          signal,
          onProgress: (fraction, step) => {
            if (Date.now() - last < 200 && fraction < 1) return;
            last = Date.now();
            void job.updateProgress({ progress: Math.round(fraction * 1000) / 10, step }).catch(() => undefined);
          },
        });
        return { output, method: result.method, frames: result.frames, seconds: result.seconds };
      } catch (error) {
        if (signal?.aborted) throw new UnrecoverableError('cancelled');
        if (error instanceof StudioError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    { connection: redis, concurrency },
  );
  worker.on('error', () => undefined);
  return worker;
}
