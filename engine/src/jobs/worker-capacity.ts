import { execFile } from 'node:child_process';
import type { Settings } from '../settings/index.ts';

export interface GpuInfo {
  /** Device id as the container runtime and CUDA_VISIBLE_DEVICES know it. */
  id: string;
  name: string;
  vramGB: number;
}

/** nvidia-smi's view of this machine's GPUs, or [] when it is absent (CPU only). */
function nvidiaSmi(path: string): Promise<GpuInfo[]> {
  return new Promise((resolve) =>
    execFile(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 10_000, env: { PATH: path } },
      (error, stdout) => {
        if (error) return resolve([]);
        resolve(
          stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [index, name, mib] = line.split(',').map((s) => s.trim());
              return { id: index!, name: name!, vramGB: Math.floor(Number(mib) / 1024) };
            }),
        );
      },
    ),
  );
}

/**
 * The GPUs a worker offers: WORKER_VRAM_GB (per GPU) with WORKER_GPUS (a count, device ids "0,2",
 * or "all") override detection; otherwise nvidia-smi; none means a CPU-only worker. Empty values
 * count as unset (docker-compose passes `${WORKER_VRAM_GB:-}` through as "").
 */
export async function detectGpus(settings: Pick<Settings, 'workerGpus' | 'workerVramGB' | 'path'>): Promise<GpuInfo[]> {
  const spec = settings.workerGpus.trim();
  const vramGB = settings.workerVramGB;
  const path = settings.path;
  if (vramGB !== undefined) {
    if (vramGB === 0) return [];
    // "all" with a declared size: every GPU nvidia-smi sees (one if it sees none), at that size.
    const seen = spec === 'all' ? (await nvidiaSmi(path)).map((g) => g.id) : [];
    const ids =
      spec === 'all'
        ? seen.length
          ? seen
          : ['0']
        : /^\d+$/.test(spec)
          ? Array.from({ length: Number(spec) }, (_, i) => String(i))
          : spec
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
    return ids.map((id) => ({ id, name: `GPU ${id} (declared)`, vramGB }));
  }
  const found = await nvidiaSmi(path);
  if (spec === 'all') return found;
  if (/^\d+$/.test(spec)) return found.slice(0, Number(spec));
  const wanted = new Set(spec.split(',').map((s) => s.trim()));
  return found.filter((g) => wanted.has(g.id));
}
