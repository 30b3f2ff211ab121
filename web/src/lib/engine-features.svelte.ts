import type { NodeAction } from '$lib/canvas/canvas-context';

interface PipelineInfo {
  id: string;
  title: string;
  taskType: string;
  vram: string;
  gpu: { required: boolean; vramGB: Partial<Record<string, number>> };
  runnable: boolean;
  backends: Record<string, { available: boolean; reason: string | null }>;
}

export interface WorkerInfo {
  name: string;
  host: string;
  gpus: Array<{ id: string; name: string; vramGB: number; jobs: Array<{ jobId: string; pipeline: string; vramGB: number; since: string }> }>;
  cpuSlots: number;
  cpuJobs: string[];
  heartbeatAt: string;
}

interface Health {
  features?: Partial<Record<'generation' | 'render' | 'edl' | 'training', boolean>>;
}

const UNAVAILABLE: Record<NodeAction, string> = {
  generate: 'Generation needs a job queue and pipelines, which this engine does not run yet',
  cancel: 'Nothing is running',
  render: 'Rendering the final video is not available on this engine yet',
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
      .then((list: WorkerInfo[]) => {
        // Heartbeats change every poll; nodes only care when the GPUs or their jobs do.
        const key = JSON.stringify(list.map((w) => [w.name, w.gpus, w.cpuJobs]));
        if (key !== lastWorkers) {
          lastWorkers = key;
          workers = list;
        }
      })
      .catch(() => undefined);
  void pollWorkers();
  const timer = setInterval(pollWorkers, 3000);
  fetch('/api/v1/health')
    .then((r) => r.json())
    .then((h: Health) => (health = h))
    .catch(() => undefined);
  fetch('/api/v1/pipelines')
    .then((r) => (r.ok ? r.json() : []))
    .then((list) => (pipelines = list))
    .catch(() => undefined);
  const flag: Record<NodeAction, keyof NonNullable<Health['features']> | null> = {
    generate: 'generation',
    cancel: 'generation',
    render: 'render',
    exportEdl: 'edl',
    train: 'training',
  };
  /** Why no live worker can run a pipeline at a quality, or null. */
  function problem(p: PipelineInfo, quality: string): string | null {
    if (!p.gpu.required) return p.runnable ? null : Object.values(p.backends).map((b) => b.reason).filter(Boolean)[0] ?? 'no backend here can run it';
    const need = p.gpu.vramGB[quality] ?? Math.max(0, ...Object.values(p.gpu.vramGB).map(Number));
    const biggest = Math.max(0, ...workers.flatMap((w) => w.gpus.map((g) => g.vramGB)));
    if (biggest >= need) return null;
    return biggest ? `Needs ${need} GB at ${quality} quality: the largest live GPU has ${biggest} GB` : `Needs a GPU with ${need} GB: no GPU worker is running`;
  }
  return {
    get workers() {
      return workers;
    },
    pipelinesFor(quality: string) {
      return pipelines.map((p) => ({ id: p.id, title: p.title, taskType: p.taskType, vram: p.vram, problem: problem(p, quality) }));
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
