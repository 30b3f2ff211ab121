import { EditlyRenderer } from './editly-renderer.ts';
import type { EditlyOptions } from './editly-spec.ts';
import { FfmpegRenderer } from './ffmpeg-renderer.ts';
import type { Renderer } from './render-types.ts';

export type RenderBackend = 'ffmpeg' | 'editly';

/** Both renderers, ffmpeg (the default) first. */
export function renderers(options: { editly?: EditlyOptions } = {}): Renderer[] {
  return [new FfmpegRenderer(), new EditlyRenderer(options.editly)];
}

/** ffmpeg unless `backend: 'editly'` asks for editly (titles, subtitles, GL transitions). */
export function chooseRenderer(args: { backend?: RenderBackend; editly?: EditlyOptions } = {}): Renderer {
  return args.backend === 'editly' ? new EditlyRenderer(args.editly) : new FfmpegRenderer();
}
