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

/**
 * Reads a pipeline's stdout: progress objects go to `onProgress`, an `{"error": ...}` line is kept
 * as the failure message, everything else is ignored.
 */
export function pipelineStdout(onProgress?: (progress: PipelineProgress) => void) {
  let errorLine: string | null = null;
  const lines = lineSplitter((line) => {
    const progress = parseProgressLine(line);
    if (progress) return onProgress?.(progress);
    if (!line.startsWith('{"error"')) return;
    try {
      errorLine = String((JSON.parse(line) as { error: unknown }).error).slice(0, 1000);
    } catch {
      // not JSON after all
    }
  });
  return { push: lines.push, end: lines.end, errorLine: () => errorLine };
}
