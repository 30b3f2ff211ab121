import { execFile } from 'node:child_process';

export interface GpuInfo {
  /** Device id as the container runtime and CUDA_VISIBLE_DEVICES know it. */
  id: string;
  name: string;
  vramGB: number;
}

/** nvidia-smi's view of this machine's GPUs, or [] when it is absent (CPU only). */
function nvidiaSmi(env: NodeJS.ProcessEnv): Promise<GpuInfo[]> {
  return new Promise((resolve) =>
    execFile('nvidia-smi', ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], { timeout: 10_000, env }, (error, stdout) => {
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
    }),
  );
}

/**
 * The GPUs a worker offers: WORKER_VRAM_GB (per GPU) with WORKER_GPUS (a count, device ids "0,2",
 * or "all") override detection; otherwise nvidia-smi; none means a CPU-only worker. Empty values
 * count as unset (docker-compose passes `${WORKER_VRAM_GB:-}` through as "").
 */
export async function detectGpus(env: NodeJS.ProcessEnv = process.env): Promise<GpuInfo[]> {
  const spec = env.WORKER_GPUS?.trim() || 'all';
  const declared = env.WORKER_VRAM_GB?.trim();
  if (declared) {
    const vramGB = Number(declared);
    if (!Number.isFinite(vramGB) || vramGB < 0) throw new Error('WORKER_VRAM_GB must be a number of GB');
    if (vramGB === 0) return [];
    // "all" with a declared size: every GPU nvidia-smi sees (one if it sees none), at that size.
    const seen = spec === 'all' ? (await nvidiaSmi(env)).map((g) => g.id) : [];
    const ids =
      spec === 'all'
        ? seen.length ? seen : ['0']
        : /^\d+$/.test(spec)
          ? Array.from({ length: Number(spec) }, (_, i) => String(i))
          : spec.split(',').map((s) => s.trim()).filter(Boolean);
    return ids.map((id) => ({ id, name: `GPU ${id} (declared)`, vramGB }));
  }
  const found = await nvidiaSmi(env);
  if (spec === 'all') return found;
  if (/^\d+$/.test(spec)) return found.slice(0, Number(spec));
  const wanted = new Set(spec.split(',').map((s) => s.trim()));
  return found.filter((g) => wanted.has(g.id));
}
