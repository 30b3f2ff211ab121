import { FilterGraph } from './filter-graph.ts';
import { framesToSeconds, frameToSample, rateString } from './frame-rate.ts';
import { buildProgramAudio, mixTracks } from './graph-audio.ts';
import { buildVideo, type MediaLookup } from './graph-video.ts';
import { drawOverlays } from './graph-text.ts';
import { runFfmpeg } from './run-tool.ts';
import type { Timeline } from './timeline-types.ts';
import { AAC_DELIVERY, H264_DELIVERY } from './delivery-codecs.ts';

/**
 * Renders the whole list through one ffmpeg filter graph: every segment trimmed, fitted to
 * width x height and the sequence rate, stills held, dissolves as xfade/acrossfade, the audio
 * tracks mixed in at their record positions; encoded H.264 + AAC.
 */
export async function renderFilterGraph(args: {
  timeline: Timeline;
  width: number;
  height: number;
  media: MediaLookup;
  partial: string;
  workDir: string;
  signal?: AbortSignal | undefined;
  progress: (fraction: number, step: string) => void;
}): Promise<'filter-graph'> {
  const { timeline, width, height, media } = args;
  const graph = new FilterGraph();
  const picture = buildVideo({ graph, timeline, from: 0, to: timeline.frames, width, height, media });
  const video = await drawOverlays({ graph, timeline, stream: picture, height, workDir: args.workDir });
  const program = buildProgramAudio({ graph, timeline, from: 0, to: frameToSample(timeline.frames, timeline.fps), media });
  const audio = mixTracks({ graph, program, clips: timeline.audio, fps: timeline.fps, media });
  const seconds = framesToSeconds(timeline.frames, timeline.fps);
  args.progress(0.02, 'rendering');
  await runFfmpeg({
    args: [
      ...(await graph.args(args.workDir, 'render')),
      '-map',
      `[${video.label}]`,
      '-map',
      `[${audio.label}]`,
      ...H264_DELIVERY,
      '-r',
      rateString(timeline.fps),
      '-g',
      String(Math.round(timeline.fps.num / timeline.fps.den)),
      ...AAC_DELIVERY,
      '-map_metadata',
      '-1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      args.partial,
    ],
    signal: args.signal,
    onSeconds: (s) => args.progress(0.02 + 0.93 * Math.min(1, s / seconds), 'rendering'),
  });
  return 'filter-graph';
}
