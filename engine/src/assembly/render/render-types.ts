import type { FrameRate } from '../edl/index.ts';

export interface RenderRequest {
  edlText: string;
  rate: FrameRate;
  dropFrame: boolean;
  /** Source files in the list are relative to this folder; none may lie outside it. */
  projectDir: string;
  /** Absolute final path; written under a temporary name beside it and renamed into place when complete. */
  outputPath: string;
  width: number;
  height: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, step: string) => void;
}

export type RenderMethod = 'stream-copy' | 'smart' | 'filter-graph' | 'editly';

export interface RenderResult {
  outputPath: string;
  /** Video frames in the output, equal to the list's record duration. */
  frames: number;
  method: RenderMethod;
  /** Wall time of the render. */
  seconds: number;
}

export interface Renderer {
  readonly name: 'ffmpeg' | 'editly';
  render(req: RenderRequest): Promise<RenderResult>;
}
