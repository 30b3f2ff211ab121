export type { RenderMethod, RenderRequest, RenderResult, Renderer } from './render-types.ts';
export { InvalidEdlError, MissingMediaError, RenderError } from './errors.ts';
export { FfmpegRenderer, type FfmpegRendererOptions } from './ffmpeg-renderer.ts';
export { EditlyRenderer } from './editly-renderer.ts';
export type { EditlyOptions } from './editly-spec.ts';
export { chooseRenderer, renderers, type RenderBackend } from './choose-renderer.ts';
export { loadTimeline, buildTimeline } from './timeline.ts';
export type { AudioClip, Dissolve, Timeline, VideoSegment } from './timeline-types.ts';
