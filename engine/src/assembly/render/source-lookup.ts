import type { MediaLookup } from './graph-video.ts';
import { probeStreams, type MediaStreams } from './probe.ts';
import { isStillPath } from './resolve-media.ts';
import { analyzeSource, type SourceMedia } from './source-media.ts';
import type { Timeline } from './timeline-types.ts';

export interface Sources {
  /** MP4 analysis per source path; null for files the MP4 reader cannot index. */
  media: Map<string, SourceMedia | null>;
  lookup: MediaLookup;
}

/** Indexes every MP4 source (fast: moov only) and asks ffprobe about the rest. */
export async function loadSources(timeline: Timeline, signal?: AbortSignal): Promise<Sources> {
  const paths = new Set([
    ...timeline.video.flatMap((s) => (s.source && s.kind === 'clip' ? [s.source.path] : [])),
    ...timeline.audio.map((a) => a.source.path),
  ]);
  const media = new Map<string, SourceMedia | null>();
  const streams = new Map<string, MediaStreams>();
  await Promise.all(
    [...paths].map(async (path) => {
      const analysed = await analyzeSource(path, timeline.fps);
      media.set(path, analysed);
      streams.set(
        path,
        analysed
          ? { hasVideo: analysed.hasVideo, hasAudio: analysed.hasAudio }
          : isStillPath(path)
            ? { hasVideo: true, hasAudio: false }
            : await probeStreams(path, signal),
      );
    }),
  );
  return {
    media,
    lookup: {
      hasVideo: (path) => streams.get(path)?.hasVideo ?? isStillPath(path),
      hasAudio: (path) => streams.get(path)?.hasAudio ?? false,
    },
  };
}
