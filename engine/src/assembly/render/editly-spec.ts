import { framesToSeconds } from './frame-rate.ts';
import type { Timeline, VideoSegment } from './timeline-types.ts';
import { AAC_DELIVERY, H264_DELIVERY } from './delivery-codecs.ts';

export interface EditlyOptions {
  /** A title over the first clip (editly's title layer). */
  title?: string;
  /** Subtitle text per segment (editly's subtitle layer), e.g. the clip names. */
  subtitle?: (segment: VideoSegment) => string | undefined;
  /** A gl-transitions name for dissolves: 'fade' (a plain crossfade, the default), 'directional', 'crosswarp'... */
  transition?: string;
}

type Layer = Record<string, unknown>;

/**
 * The editly edit spec for a timeline. Editly overlaps each clip with the next by its transition,
 * so a clip runs for its own frames plus the tail it plays under the next dissolve: the sum of
 * clip frames minus the transitions is the list's record duration.
 */
export function editlySpec(args: { timeline: Timeline; width: number; height: number; outPath: string; options?: EditlyOptions }): Record<string, unknown> {
  const { timeline, options = {} } = args;
  const seconds = (frames: number) => framesToSeconds(frames, timeline.fps);
  const clips = timeline.video.map((segment, i) => {
    const frames = segment.recordOut - segment.recordIn + segment.tail;
    const layers: Layer[] = [layerFor(segment, seconds)];
    if (i === 0 && options.title) layers.push({ type: 'title', text: options.title, position: 'center' });
    const subtitle = options.subtitle?.(segment);
    if (subtitle) layers.push({ type: 'subtitle', text: subtitle });
    // The list's title cards and lower thirds: editly's title layer centred, its subtitle layer low.
    for (const overlay of segment.overlays ?? []) {
      layers.push(overlay.kind === 'title' ? { type: 'title', text: overlay.text, position: 'center' } : { type: 'subtitle', text: overlay.text });
    }
    return {
      duration: seconds(frames),
      layers,
      transition: segment.tail > 0 ? { name: options.transition ?? 'fade', duration: seconds(segment.tail), audioOutCurve: 'tri', audioInCurve: 'tri' } : null,
    };
  });
  return {
    outPath: args.outPath,
    width: args.width,
    height: args.height,
    fps: timeline.fps.num / timeline.fps.den,
    keepSourceAudio: true,
    clipsAudioVolume: 1,
    defaults: { transition: null, layer: { resizeMode: 'contain' } },
    clips,
    audioTracks: timeline.audio.map((clip) => ({
      path: clip.source.path,
      cutFrom: seconds(clip.sourceIn),
      cutTo: seconds(clip.sourceIn + clip.recordOut - clip.recordIn + clip.tail),
      start: seconds(clip.recordIn),
      mixVolume: 1,
    })),
    customOutputArgs: [...H264_DELIVERY, ...AAC_DELIVERY, '-movflags', '+faststart'],
  };
}

function layerFor(segment: VideoSegment, seconds: (frames: number) => number): Layer {
  if (segment.kind === 'clip' && segment.source) {
    const frames = segment.recordOut - segment.recordIn + segment.tail;
    return { type: 'video', path: segment.source.path, cutFrom: seconds(segment.sourceIn), cutTo: seconds(segment.sourceIn + frames) };
  }
  if (segment.kind === 'still' && segment.source) return { type: 'image', path: segment.source.path, resizeMode: 'contain' };
  return { type: 'fill-color', color: '#000000' };
}
