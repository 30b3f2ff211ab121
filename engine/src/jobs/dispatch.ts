import type { Quality } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { pipelineNeeds } from './generation-request.ts';
import { gpuQueueName, tierFor } from './gpu-tiers.ts';
import { GENERATE_QUEUE, type GenerateJobData } from './job-types.ts';
import type { WorkerState } from './worker-registry.ts';

export class NoCapableWorkerError extends StudioError {
  override readonly code = 'NO_CAPABLE_WORKER';
  override readonly status = 503;
}

export interface Dispatch {
  queue: string;
  data: GenerateJobData;
  /** Said to the user over the WebSocket (a fallback). */
  notice: string | null;
}

const LOWER: Record<Quality, Quality[]> = { high: ['standard', 'low'], standard: ['low'], low: [] };
const TITLE: Record<Quality, string> = { low: 'Low', standard: 'Standard', high: 'High' };

/**
 * The pipeline for a task at a quality when none is pinned (spec table 4): among the GPU
 * pipelines serving it, the one needing the least VRAM; on a studio with no GPU worker, a
 * pipeline that runs on the CPU, if one does the task.
 */
export function tablePipeline(catalogue: PipelineCatalogue, taskType: string, quality: Quality, gpuWorkers: boolean): string | null {
  const serving = catalogue.all().filter(({ manifest }) => manifest.taskType === taskType && manifest.qualities.includes(quality));
  const gpu = serving
    .filter(({ manifest }) => manifest.gpu.required)
    .sort((a, b) => pipelineNeeds(a.manifest, quality).vramGB - pipelineNeeds(b.manifest, quality).vramGB);
  const cpu = serving.filter(({ manifest }) => !manifest.gpu.required).sort((a, b) => Number(b.manifest.verified) - Number(a.manifest.verified));
  const first = gpuWorkers ? (gpu[0] ?? cpu[0]) : (cpu[0] ?? gpu[0]);
  return first?.manifest.id ?? null;
}

const gpusOf = (workers: WorkerState[]) => workers.flatMap((w) => w.gpus.map((g) => ({ worker: w.name, ...g })));

/**
 * Where a generation goes (spec 7.2): a CPU pipeline to the CPU queue; a GPU pipeline to the
 * queue of its VRAM tier, which only GPUs big enough read. Under the `fallback` policy, when no
 * GPU that could hold it is free, it drops to the best lower quality whose pipeline fits a free
 * GPU, and says so. A job no live worker could ever hold fails at once.
 */
export function dispatch({
  data,
  policy,
  workers,
  catalogue,
  pinned,
}: {
  data: GenerateJobData;
  policy: 'queue' | 'fallback';
  workers: WorkerState[];
  catalogue: PipelineCatalogue;
  /** The pipeline was chosen on a Pipeline node (a fallback keeps it when it serves the lower quality). */
  pinned: boolean;
}): Dispatch {
  if (data.vramGB === 0) return { queue: GENERATE_QUEUE, data, notice: null };
  const gpus = gpusOf(workers);
  const fits = (need: number) => gpus.filter((g) => g.vramGB >= need);
  const free = (need: number) => fits(need).filter((g) => g.jobs.length === 0);
  const route = (d: GenerateJobData) => ({ queue: gpuQueueName(tierFor(d.vramGB), d.shareable), data: d });

  const lower = () => {
    for (const quality of LOWER[data.quality as Quality] ?? []) {
      const same = catalogue.get(data.pipelineId).manifest;
      const id = pinned && same.qualities.includes(quality) ? same.id : tablePipeline(catalogue, data.taskType, quality, true);
      if (!id) continue;
      const manifest = catalogue.get(id).manifest;
      const needs = pipelineNeeds(manifest, quality);
      if (needs.vramGB === 0 || free(needs.vramGB).length) return { quality, pipelineId: id, ...needs, title: manifest.title };
    }
    return null;
  };
  const fallBack = (reason: string): Dispatch | null => {
    const alternative = lower();
    if (!alternative) return null;
    const data2: GenerateJobData = {
      ...data,
      quality: alternative.quality,
      pipelineId: alternative.pipelineId,
      vramGB: alternative.vramGB,
      shareable: alternative.shareable,
      fallbackFrom: { quality: data.quality, pipelineId: data.pipelineId, reason },
    };
    const notice = `${TITLE[data.quality as Quality]} quality not available on current hardware (${reason}). Fell back to ${alternative.quality}: ${alternative.title}${alternative.vramGB ? `, ${alternative.vramGB} GB` : ''}.`;
    return alternative.vramGB === 0 ? { queue: GENERATE_QUEUE, data: data2, notice } : { ...route(data2), notice };
  };

  if (!fits(data.vramGB).length) {
    const have = gpus.length ? `the largest live GPU has ${Math.max(...gpus.map((g) => g.vramGB))} GB` : 'no GPU worker is running';
    const reason = `${data.pipelineId} needs ${data.vramGB} GB at ${data.quality} quality and ${have}`;
    if (policy === 'fallback') {
      const fallen = fallBack(reason);
      if (fallen) return fallen;
    }
    throw new NoCapableWorkerError(`No live worker can run this: ${reason}.`, { pipeline: data.pipelineId, vram_gb: data.vramGB });
  }
  if (policy === 'fallback' && !free(data.vramGB).length) {
    const fallen = fallBack(`every GPU with ${data.vramGB} GB or more is busy`);
    if (fallen) return fallen;
  }
  return { ...route(data), notice: null };
}
