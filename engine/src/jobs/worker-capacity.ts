import { execFile } from 'node:child_process';

export interface GpuInfo {
  /** Device id as the container runtime and CUDA_VISIBLE_DEVICES know it. */
  id: string;
  name: string;
  vramGB: number;
}

/** nvidia-smi's view of this machine's GPUs, or [] when it is absent (CPU only). */
function nvidiaSmi(): Promise<GpuInfo[]> {
  return new Promise((resolve) =>
    execFile('nvidia-smi', ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], { timeout: 10_000 }, (error, stdout) => {
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
 * The GPUs a worker offers: WORKER_VRAM_GB (per GPU) with WORKER_GPUS (a count, or device ids
 * "0,2") override detection; otherwise nvidia-smi; none means a CPU-only worker.
 */
export async function detectGpus(env: NodeJS.ProcessEnv = process.env): Promise<GpuInfo[]> {
  if (env.WORKER_VRAM_GB !== undefined) {
    const vramGB = Number(env.WORKER_VRAM_GB);
    if (!Number.isFinite(vramGB) || vramGB < 0) throw new Error('WORKER_VRAM_GB must be a number of GB');
    if (vramGB === 0) return [];
    const spec = env.WORKER_GPUS ?? '1';
    const ids = /^\d+$/.test(spec) ? Array.from({ length: Number(spec) }, (_, i) => String(i)) : spec.split(',').map((s) => s.trim()).filter(Boolean);
    return ids.map((id) => ({ id, name: `GPU ${id} (declared)`, vramGB }));
  }
  const found = await nvidiaSmi();
  if (env.WORKER_GPUS && !/^\d+$/.test(env.WORKER_GPUS)) {
    const wanted = new Set(env.WORKER_GPUS.split(',').map((s) => s.trim()));
    return found.filter((g) => wanted.has(g.id));
  }
  return found;
}
