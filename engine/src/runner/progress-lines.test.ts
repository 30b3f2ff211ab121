import { describe, expect, it } from 'vitest';
import { parseResultLine, pipelineStdout } from './progress-lines.ts';

describe('the result line a pipeline prints (pipelines/README.md)', () => {
  it('reads peak VRAM, wall time and how the peak was measured', () => {
    expect(parseResultLine('{"result": {"peak_vram_mb": 21834.5, "wall_s": 312.4, "vram_source": "torch"}}')).toEqual({
      peakVramMB: 21834.5,
      wallMs: 312400,
      vramSource: 'torch',
    });
    // No GPU could be read: no peak, and no source for it.
    expect(parseResultLine('{"result": {"peak_vram_mb": null, "wall_s": 2, "vram_source": null}}')).toEqual({
      peakVramMB: null,
      wallMs: 2000,
      vramSource: null,
    });
  });

  it('drops figures no run can have, and ignores lines that are not result lines', () => {
    expect(parseResultLine('{"result": {"peak_vram_mb": -5, "wall_s": 1e9, "vram_source": "torch"}}')).toEqual({
      peakVramMB: null,
      wallMs: null,
      vramSource: null,
    });
    expect(parseResultLine('{"result": {"peak_vram_mb": "lots"}}')).toEqual({ peakVramMB: null, wallMs: null, vramSource: null });
    expect(parseResultLine('{"result": 3}')).toBeNull();
    expect(parseResultLine('{"result": {"peak')).toBeNull();
    expect(parseResultLine('{"progress": 0.5}')).toBeNull();
  });

  it('pipelineStdout keeps the last result line beside progress and errors', () => {
    const seen: number[] = [];
    const out = pipelineStdout((p) => seen.push(p.progress));
    out.push('{"progress":0.5,"step":"denoising"}\n{"result":{"peak_vram_mb":1024,"wall_s":1.5,"vram_source":"nvidia-smi"}}\nother output\n');
    out.push('{"progress":1,"step":"done"}');
    out.end();
    expect(seen).toEqual([0.5, 1]);
    expect(out.measurement()).toEqual({ peakVramMB: 1024, wallMs: 1500, vramSource: 'nvidia-smi' });
    expect(out.errorLine()).toBeNull();
  });
});
