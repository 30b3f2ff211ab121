import type { PipelineManifest, Quality } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { cpuQueueName } from './cpu-queues.ts';
import { gpuQueueName, tierFor } from './gpu-tiers.ts';
import type { GenerateJobData } from './job-types.ts';
import { hasRun, vramNeed, type ProfileBook } from './vram-profile.ts';
import type { WorkerState } from './worker-registry.ts';

export class NoCapableWorkerError extends StudioError {
  override readonly code = 'NO_CAPABLE_WORKER';
  override readonly status = 503;
}

export interface Dispatch {
  queue: string;
  data: GenerateJobData;
  /** Said to the user over the WebSocket (a fallback, or the quality table passing over an unproven pipeline). */
  notice: string | null;
}

/** The live workers and what the studio has observed of its pipelines: what dispatch decisions rest on. */
export interface Fleet {
  workers: WorkerState[];
  profiles?: ProfileBook;
}

const LOWER: Record<Quality, Quality[]> = { high: ['standard', 'low'], standard: ['low'], low: [] };
const TITLE: Record<Quality, string> = { low: 'Low', standard: 'Standard', high: 'High' };

type LiveGpu = WorkerState['gpus'][number] & { worker: string };

/** The live GPUs whose worker can start a pipeline (its image is built there, or it runs on the host). */
export function gpusFor(workers: WorkerState[], pipelineId: string): LiveGpu[] {
  return workers.filter((w) => w.pipelines?.includes(pipelineId)).flatMap((w) => w.gpus.map((g) => ({ worker: w.name, ...g })));
}

/** The largest live GPU that could start a pipeline, in GB (0 when none). */
export function largestGpuFor(workers: WorkerState[], pipelineId: string): number {
  return Math.max(0, ...gpusFor(workers, pipelineId).map((g) => g.vramGB));
}

/**
 * Why no live GPU can hold a pipeline at a need: none running, none whose worker can start it
 * (its image not built there), or none big enough. null when one can.
 */
export function noCapableGpu(workers: WorkerState[], manifest: PipelineManifest, need: number): string | null {
  const all = workers.flatMap((w) => w.gpus);
  if (!all.length) return 'no GPU worker is running';
  const capable = gpusFor(workers, manifest.id);
  if (!capable.length) {
    const reasons = workers.filter((w) => w.gpus.length).map((w) => w.unavailable?.[manifest.id] ?? '');
    return reasons.length && reasons.every((r) => /is not built/.test(r))
      ? `its image ${manifest.image} is not built on any live GPU worker (run scripts/build-pipeline-images there)`
      : `no live GPU worker can start it${reasons[0] ? ` (${reasons[0]})` : ''}`;
  }
  const biggest = Math.max(...capable.map((g) => g.vramGB));
  return biggest >= need ? null : `the largest live GPU has ${biggest} GB`;
}

/**
 * Why no live worker can start a CPU pipeline (its image not built on any, no Docker there, not
 * installed in their pipeline folders), or null when one can. Also null when no worker is live at
 * all: a CPU job then waits in its queue for one to join (see noWorkerNotice), as after a restart.
 */
export function noCapableCpu(workers: WorkerState[], manifest: PipelineManifest): string | null {
  if (!workers.length || workers.some((w) => w.pipelines?.includes(manifest.id))) return null;
  const reasons = workers.map((w) => w.unavailable?.[manifest.id] ?? `${manifest.id} is not installed there (not in its pipeline folders)`);
  if (reasons.every((r) => /is not built/.test(r)))
    return `its image ${manifest.image} is not built on any live worker (run scripts/build-pipeline-images there)`;
  const named = workers.slice(0, 2).map((w, i) => `${w.name}: ${reasons[i]}`);
  return `no live worker can start it (${named.join('; ')}${workers.length > 2 ? `; ${workers.length - 2} more` : ''})`;
}

/** Said when a CPU job is queued while no worker at all is live: it waits, it does not fail. */
export function noWorkerNotice(pipelineId: string): string {
  return `No worker is running: the job waits in the queue until a worker that can start ${pipelineId} joins.`;
}

/**
 * Which pipeline the quality table (docs/pipeline-contract.md#quality-table) gives a task at a quality when no Pipeline node
 * names one, and what it passed over. Among the GPU pipelines serving it that a live worker can
 * start and hold, the one needing the least VRAM (observed, or the manifest's); otherwise a CPU
 * pipeline, verified first. The rule for unverified pipelines: the table picks one only once it
 * has completed a job on this studio (it has an observed profile). Its first run is always a
 * person's choice on a Pipeline node, where the canvas marks it unverified; until then the table
 * passes over it, and says so.
 */
export function tableChoice(
  catalogue: PipelineCatalogue,
  taskType: string,
  quality: Quality,
  fleet: Fleet,
): { id: string | null; passedOver: Array<{ id: string; why: string }> } {
  const serving = catalogue
    .all()
    .map(({ manifest }) => manifest)
    .filter((m) => m.taskType === taskType && m.qualities.includes(quality));
  const passedOver: Array<{ id: string; why: string }> = [];
  const gpu = serving
    .filter((m) => m.gpu.required)
    .map((m) => ({ m, need: vramNeed(m, quality, fleet.profiles).vramGB }))
    .sort((a, b) => a.need - b.need || a.m.id.localeCompare(b.m.id))
    .filter(({ m, need }) => {
      if (!fleet.workers.some((w) => w.gpus.length)) return false;
      const why = noCapableGpu(fleet.workers, m, need);
      if (why) return (passedOver.push({ id: m.id, why }), false);
      if (!m.verified && !hasRun(fleet.profiles, m.id))
        return (passedOver.push({ id: m.id, why: 'it is unverified and has not completed a job on this studio yet' }), false);
      return true;
    });
  // CPU pipelines a live worker can start first, then verified ones first.
  const startable = (m: PipelineManifest) => noCapableCpu(fleet.workers, m) === null;
  const cpu = serving.filter((m) => !m.gpu.required).sort((a, b) => Number(startable(b)) - Number(startable(a)) || Number(b.verified) - Number(a.verified));
  return { id: gpu[0]?.m.id ?? cpu[0]?.id ?? null, passedOver };
}

/** The quality table's pipeline for a task at a quality (see tableChoice), or null. */
export function tablePipeline(catalogue: PipelineCatalogue, taskType: string, quality: Quality, fleet: Fleet): string | null {
  return tableChoice(catalogue, taskType, quality, fleet).id;
}

/**
 * Where a generation goes (docs/pipeline-contract.md#vram-tiers): a CPU pipeline to the CPU queue; a GPU pipeline to the
 * queue of its VRAM tier and pipeline, which only GPUs big enough on workers that can start it
 * read. Its need is the observed peak once the studio has one, else the manifest's. Under the
 * `fallback` policy, when no GPU that could hold it is free, it drops to the best lower quality
 * whose pipeline fits a free GPU (or a CPU pipeline a live worker can start), and says so. A job
 * no live worker could ever start or hold fails at once; a CPU job queued while no worker at all
 * is live waits for one, and says so.
 */
export function dispatch({
  data: requested,
  policy,
  workers,
  catalogue,
  pinned,
  profiles,
}: {
  data: GenerateJobData;
  policy: 'queue' | 'fallback';
  workers: WorkerState[];
  catalogue: PipelineCatalogue;
  /** The pipeline was chosen on a Pipeline node (a fallback keeps it when it serves the lower quality). */
  pinned: boolean;
  /** Observed profiles; without them the manifests' figures decide. */
  profiles?: ProfileBook;
}): Dispatch {
  const manifest = catalogue.get(requested.pipelineId).manifest;
  const fleet: Fleet = { workers, profiles };
  const data: GenerateJobData = manifest.gpu.required ? { ...requested, vramGB: vramNeed(manifest, requested.quality as Quality, profiles).vramGB } : requested;
  const free = (pipelineId: string, need: number) => gpusFor(workers, pipelineId).filter((g) => g.vramGB >= need && g.jobs.length === 0);
  const cpuStartable = (pipelineId: string) => noCapableCpu(workers, catalogue.get(pipelineId).manifest) === null;
  const route = (d: GenerateJobData) => ({
    queue: d.vramGB === 0 ? cpuQueueName(d.pipelineId) : gpuQueueName(tierFor(d.vramGB), d.shareable, d.pipelineId),
    data: d,
  });
  const waiting = (pipelineId: string) => (workers.length ? null : noWorkerNotice(pipelineId));

  /** When the quality table passed over pipelines to pick this one, which and why (unverified, no image, too small a GPU). */
  function passedOverNotice(): string | null {
    if (pinned) return null;
    const { passedOver } = tableChoice(catalogue, requested.taskType, requested.quality as Quality, fleet);
    if (!passedOver.length) return null;
    const unproven = passedOver.filter((p) => /unverified/.test(p.why));
    const others = passedOver.filter((p) => !/unverified/.test(p.why)).map((p) => `${p.id}: ${p.why}`);
    const parts = [
      ...(unproven.length
        ? [
            `${unproven.map((p) => p.id).join(', ')} ${unproven.length === 1 ? 'is' : 'are'} unverified and ${unproven.length === 1 ? 'has' : 'have'} not completed a job on this studio yet`,
          ]
        : []),
      ...others,
    ];
    const tryIt = unproven.length ? ` Choose ${unproven[0]!.id} on a Pipeline node to try it.` : '';
    return `The quality table used ${requested.pipelineId} (${parts.join('; ')}).${tryIt}`;
  }

  const lower = () => {
    for (const quality of LOWER[data.quality as Quality] ?? []) {
      const id = pinned && manifest.qualities.includes(quality) ? manifest.id : tablePipeline(catalogue, data.taskType, quality, fleet);
      if (!id) continue;
      const alternative = catalogue.get(id).manifest;
      const { vramGB } = vramNeed(alternative, quality, profiles);
      if (vramGB === 0 ? cpuStartable(id) : free(id, vramGB).length)
        return { quality, pipelineId: id, vramGB, shareable: alternative.gpu.required && alternative.gpu.shareable, title: alternative.title };
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
    return { ...route(data2), notice: [notice, alternative.vramGB === 0 ? waiting(alternative.pipelineId) : null].filter(Boolean).join(' ') };
  };

  if (data.vramGB === 0) {
    const cannot = noCapableCpu(workers, manifest);
    if (cannot) {
      const reason = `${data.pipelineId} runs on the CPU and ${cannot}`;
      if (policy === 'fallback') {
        const fallen = fallBack(reason);
        if (fallen) return fallen;
      }
      throw new NoCapableWorkerError(`No live worker can run this: ${reason}.`, { pipeline: data.pipelineId, vram_gb: 0 });
    }
    const notice = [waiting(data.pipelineId), passedOverNotice()].filter(Boolean).join(' ');
    return { ...route(data), notice: notice || null };
  }
  const cannot = noCapableGpu(workers, manifest, data.vramGB);
  if (cannot) {
    const reason = `${data.pipelineId} needs ${data.vramGB} GB at ${data.quality} quality and ${cannot}`;
    if (policy === 'fallback') {
      const fallen = fallBack(reason);
      if (fallen) return fallen;
    }
    throw new NoCapableWorkerError(`No live worker can run this: ${reason}.`, { pipeline: data.pipelineId, vram_gb: data.vramGB });
  }
  if (policy === 'fallback' && !free(data.pipelineId, data.vramGB).length) {
    const fallen = fallBack(`every GPU with ${data.vramGB} GB or more is busy`);
    if (fallen) return fallen;
  }
  return { ...route(data), notice: passedOverNotice() };
}
