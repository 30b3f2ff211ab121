import type { NodeAction } from '$lib/canvas/canvas-context';

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
  let pipelines = $state<Array<{ id: string; title: string; taskType: string; vram: string }>>([]);
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
  return {
    get pipelines() {
      return pipelines;
    },
    reason(action: NodeAction): string | null {
      const key = flag[action];
      return key && health.features?.[key] ? null : UNAVAILABLE[action];
    },
  };
}
