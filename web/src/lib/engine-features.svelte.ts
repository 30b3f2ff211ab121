import { HealthReport, PipelineList, WorkerList, type ObservedFigures, type PipelineInfo, type Quality, type WorkerView } from '@studio/node-schemas';
import type { NodeAction } from '$lib/canvas/canvas-context';

/** What the page reads of /api/v1/health: an engine that answers without a feature has it off. */
type Health = Partial<Pick<HealthReport, 'features'>>;
const HealthFeatures = HealthReport.pick({ features: true }).partial();

/** What the canvas needs of a pipeline to offer it: its figures and whatever stands in its way. */
export interface PipelineChoice {
  id: string;
  title: string;
  taskType: string;
  /** The manifest's minimum VRAM per quality ("16 GB standard"), or "CPU". */
  vram: string;
  /** What the studio measured at the project's quality ("seen 9 GB peak · needs 11 GB · 6 runs"), or null. */
  observed: string | null;
  /** Not verified by this studio's tests (a GPU model written without a GPU). */
  unverified: boolean;
  /** Why no live worker can run it now, or null. */
  problem: string | null;
  /** Its inputs, each with the node socket that feeds it. */
  inputs?: Array<{ name: string; label: string; socket: string; required: boolean }>;
}

/** One pipeline's figures at one quality, for the Workers panel. */
export interface ProfileRow {
  id: string;
  title: string;
  quality: string;
  manifestGB: number | null;
  observed: ObservedFigures;
}

/** A live worker as GET /api/v1/workers answers. */
export type WorkerInfo = WorkerView;

/** "seen 9 GB peak · needs 11 GB · 6 runs · 12.5 s", or what there is of it. */
export function observedLabel(o: ObservedFigures | undefined): string | null {
  if (!o?.runs) return null;
  const runs = `${o.runs} run${o.runs === 1 ? '' : 's'}`;
  return o.peakGB === null ? `ran here · ${runs} · no peak measured` : `seen ${o.peakGB} GB peak · needs ${o.needGB} GB · ${runs} · ${o.meanWallS} s`;
}

/** A per-quality figure at a quality named by a string (the project's, or a key of another table). */
const at = <V>(table: Partial<Record<Quality, V>> | undefined, quality: string): V | undefined => (table as Partial<Record<string, V>> | undefined)?.[quality];

const UNAVAILABLE: Record<NodeAction, string> = {
  generate: 'Generation needs a job queue and pipelines, which this engine does not run yet',
  generateAgain: 'Generation needs a job queue and pipelines, which this engine does not run yet',
  cancel: 'Nothing is running',
  render: 'Rendering the final video is not available on this engine yet',
  renderDraft: 'Rendering is not available on this engine yet',
  renderAgain: 'Rendering is not available on this engine yet',
  exportEdl: 'EDL export is not available on this engine yet',
  train: 'LoRA training is not available on this engine yet',
};

/** What the engine can do, read once from /api/v1/health, and why an action is unavailable. */
export function engineFeatures() {
  let health = $state<Health>({});
  let pipelines = $state<PipelineInfo[]>([]);
  let workers = $state<WorkerInfo[]>([]);
  let lastWorkers = '';
  const pollWorkers = () =>
    fetch('/api/v1/workers')
      .then((r) => (r.ok ? r.json() : []))
      .then((answer: unknown) => {
        const list = WorkerList.parse(answer);
        // Heartbeats change every poll; nodes only care when the GPUs or their jobs do.
        const key = JSON.stringify(list.map((w) => [w.name, w.gpus, w.cpuJobs, w.pipelines]));
        if (key !== lastWorkers) {
          lastWorkers = key;
          workers = list;
          // A job started or ended: the observed figures may have moved.
          void loadPipelines();
        }
      })
      .catch(() => undefined);
  void pollWorkers();
  const timer = setInterval(pollWorkers, 3000);
  fetch('/api/v1/health')
    .then((r) => r.json())
    .then((h: unknown) => (health = HealthFeatures.parse(h)))
    .catch(() => undefined);
  function loadPipelines() {
    return fetch('/api/v1/pipelines')
      .then((r) => (r.ok ? r.json() : []))
      .then((list: unknown) => (pipelines = PipelineList.parse(list)))
      .catch(() => undefined);
  }
  void loadPipelines();
  const flag: Record<NodeAction, keyof NonNullable<Health['features']> | null> = {
    generate: 'generation',
    generateAgain: 'generation',
    cancel: 'generation',
    render: 'render',
    renderDraft: 'render',
    renderAgain: 'render',
    exportEdl: 'edl',
    train: 'training',
  };
  /**
   * Why no live worker can start a CPU pipeline, or null: as for GPU pipelines, only workers that
   * can start it count (its image built there, Docker there, the pipeline installed there).
   */
  function cpuProblem(p: PipelineInfo): string | null {
    if (!workers.length) return 'No worker is running: its jobs wait until one joins';
    if (workers.some((w) => w.pipelines?.includes(p.id))) return null;
    // A worker whose pipeline folders lack it gives no reason: it does not know the pipeline.
    const reasons = workers.map((w) => w.unavailable?.[p.id] ?? null);
    if (reasons.every((r) => r !== null && /is not built/.test(r))) return 'Image not built on any live worker';
    const known = reasons.find((r) => r !== null);
    return known ? `No live worker can start it: ${known}` : 'Not installed on any live worker';
  }
  /** Why no live worker can run a pipeline at a quality, or null. */
  function problem(p: PipelineInfo, quality: string): string | null {
    if (!p.gpu.required) return cpuProblem(p);
    const need = at(p.observed, quality)?.needGB ?? at(p.gpu.vramGB, quality) ?? Math.max(0, ...Object.values(p.gpu.vramGB).map(Number));
    const gpuWorkers = workers.filter((w) => w.gpus.length);
    if (!gpuWorkers.length) return `Needs a GPU with ${need} GB: no GPU worker is running`;
    // Only GPUs whose worker can start it count: an image not built there is as good as no GPU.
    const capable = gpuWorkers.filter((w) => w.pipelines?.includes(p.id));
    if (!capable.length) {
      const reasons = gpuWorkers.map((w) => w.unavailable?.[p.id] ?? '');
      return reasons.every((r) => /is not built/.test(r))
        ? 'Image not built on any live worker'
        : `No live GPU worker can start it: ${reasons.find(Boolean) ?? 'unknown'}`;
    }
    const biggest = Math.max(...capable.flatMap((w) => w.gpus.map((g) => g.vramGB)));
    if (biggest >= need) return null;
    return `Needs ${need} GB at ${quality} quality: the largest live GPU that can start it has ${biggest} GB`;
  }
  return {
    get workers() {
      return workers;
    },
    pipelinesFor(quality: string): PipelineChoice[] {
      return pipelines.map((p) => ({
        id: p.id,
        title: p.title,
        taskType: p.taskType,
        vram: p.vram,
        observed: observedLabel(at(p.observed, quality)),
        unverified: p.verified === false,
        problem: problem(p, quality),
        inputs: p.inputs.map((i) => ({ name: i.name, label: i.label ?? i.name, socket: i.socket ?? i.name, required: i.required })),
      }));
    },
    /** Every pipeline-quality pair the studio has observed, beside its manifest figure. */
    get profiles(): ProfileRow[] {
      return pipelines.flatMap((p) =>
        Object.entries(p.observed ?? {}).map(([quality, observed]) => ({
          id: p.id,
          title: p.title,
          quality,
          manifestGB: p.gpu.required ? (at(p.gpu.vramGB, quality) ?? null) : null,
          observed: observed!,
        })),
      );
    },
    stop() {
      clearInterval(timer);
    },
    reason(action: NodeAction): string | null {
      const key = flag[action];
      return key && health.features?.[key] ? null : UNAVAILABLE[action];
    },
  };
}
