/*
 * The lines a pipeline must print are ProgressLine, ResultLine and ErrorLine in node-schemas (the
 * job-folder contract). The runner reads them leniently: it clamps what is out of range and drops
 * figures no run can have instead of failing a job over its progress report.
 */

/** A progress report parsed from one stdout line of a pipeline. */
export interface PipelineProgress {
  progress: number;
  step: string;
}

/** `{"progress":0.42,"step":"denoising"}` -> progress; anything else -> null (other output is ignored). */
export function parseProgressLine(line: string): PipelineProgress | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as { progress?: unknown; step?: unknown };
    if (typeof value.progress !== 'number' || !Number.isFinite(value.progress)) return null;
    return { progress: Math.min(1, Math.max(0, value.progress)), step: typeof value.step === 'string' ? value.step.slice(0, 200) : '' };
  } catch {
    return null;
  }
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString();
      let i: number;
      while ((i = rest.indexOf('\n')) !== -1) {
        onLine(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
      if (rest.length > 1_000_000) rest = rest.slice(-100_000);
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

/** What a pipeline measured about its own run (its `{"result": ...}` line, pipelines/README.md). */
export interface PipelineMeasurement {
  /** Peak VRAM in MiB, or null when the pipeline could not read a GPU. */
  peakVramMB: number | null;
  /** The pipeline's own wall time (without container start), or null when it did not say. */
  wallMs: number | null;
  vramSource: string | null;
}

const finite = (v: unknown, max: number): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : null);

/** `{"result": {"peak_vram_mb": 21834.5, "wall_s": 12.3, "vram_source": "torch"}}` -> a measurement; anything else -> null. */
export function parseResultLine(line: string): PipelineMeasurement | null {
  const text = line.trim();
  if (!text.startsWith('{"result"')) return null;
  try {
    const { result } = JSON.parse(text) as { result?: Record<string, unknown> };
    if (!result || typeof result !== 'object') return null;
    // Bounds: no GPU holds more than 4 TiB, no job runs past a day (the manifest's timeout limit).
    const peak = finite(result.peak_vram_mb, 4 * 2 ** 20);
    const wall = finite(result.wall_s, 86_400);
    return {
      peakVramMB: peak,
      wallMs: wall === null ? null : Math.round(wall * 1000),
      vramSource: peak !== null && typeof result.vram_source === 'string' ? result.vram_source.slice(0, 40) : null,
    };
  } catch {
    return null;
  }
}

/**
 * Reads a pipeline's stdout: progress objects go to `onProgress`, an `{"error": ...}` line is kept
 * as the failure message, a `{"result": ...}` line as its measurement, everything else is ignored.
 */
export function pipelineStdout(onProgress?: (progress: PipelineProgress) => void) {
  let errorLine: string | null = null;
  let measurement: PipelineMeasurement | null = null;
  const lines = lineSplitter((line) => {
    const progress = parseProgressLine(line);
    if (progress) return onProgress?.(progress);
    const measured = parseResultLine(line);
    if (measured) {
      measurement = measured;
      return;
    }
    if (!line.startsWith('{"error"')) return;
    try {
      errorLine = String((JSON.parse(line) as { error: unknown }).error).slice(0, 1000);
    } catch {
      // not JSON after all
    }
  });
  return { push: lines.push, end: lines.end, errorLine: () => errorLine, measurement: () => measurement };
}
