import { joinStreams, type FilterGraph, type Stream } from './filter-graph.ts';
import { frameToSample, SAMPLE_RATE, type Rational } from './frame-rate.ts';
import type { MediaLookup } from './graph-video.ts';
import type { AudioClip, Timeline, VideoSegment } from './timeline-types.ts';

const FORMAT = `aresample=${SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;

/**
 * The pictures' own sound over samples [from, to) (48 kHz, from the first record frame): each
 * segment's audio cut to the sample, dissolves as linear crossfades. `shift(segment)` moves a
 * segment's sound that many samples later in its source (the smart renderer aligns copied AAC
 * frames this way); a range never splits a crossfade.
 */
export function buildProgramAudio(args: {
  graph: FilterGraph;
  timeline: Timeline;
  from: number;
  to: number;
  media: MediaLookup;
  shift?: (segment: VideoSegment) => number;
}): Stream {
  const { graph, timeline, from, to } = args;
  const s = (frame: number) => frameToSample(frame, timeline.fps);
  const items: Array<Stream & { join: number }> = [];
  for (const segment of timeline.video) {
    const start = s(segment.recordIn);
    const end = s(segment.recordOut);
    const tailEnd = s(segment.recordOut + segment.tail);
    const ownStart = Math.max(start, from);
    const own = Math.max(0, Math.min(end, to) - ownStart);
    const withTail = segment.tail > 0 && end >= from && tailEnd <= to;
    if (own === 0 && !withTail) continue;
    const count = own + (withTail ? tailEnd - end : 0);
    const join = segment.dissolveIn > 0 && start >= from && items.length > 0 ? s(segment.recordIn + segment.dissolveIn) - start : 0;
    const sourceStart = s(segment.sourceIn) + (ownStart - start) + (args.shift?.(segment) ?? 0);
    const path = segment.kind === 'clip' && segment.source && args.media.hasAudio(segment.source.path) ? segment.source.path : null;
    items.push({ label: path ? sourceAudio({ graph, path, sourceStart, count }) : silence(graph, count), length: count, join });
  }
  if (items.length === 0) return { label: silence(graph, to - from), length: to - from };
  return joinStreams({
    graph,
    items,
    kind: 'audio',
    crossfade: (left, right, join) => graph.chain([left.label, right.label], `acrossfade=ns=${join}:c1=tri:c2=tri`, 'x'),
  });
}

/** Mixes the audio tracks' clips (dialogue...) over `program` at their record positions; the length stays the program's. */
export function mixTracks(args: { graph: FilterGraph; program: Stream; clips: AudioClip[]; fps: Rational; media: MediaLookup }): Stream {
  const { graph, program, fps } = args;
  const s = (frame: number) => frameToSample(frame, fps);
  const layers = args.clips
    .filter((clip) => args.media.hasAudio(clip.source.path))
    .map((clip) => {
      const start = s(clip.recordIn);
      const count = s(clip.recordOut + clip.tail) - start;
      const fades = [
        clip.fadeIn > 0 ? `afade=t=in:ss=0:ns=${s(clip.recordIn + clip.fadeIn) - start}:curve=tri` : '',
        clip.tail > 0 ? `afade=t=out:ss=${s(clip.recordOut) - start}:ns=${count - (s(clip.recordOut) - start)}:curve=tri` : '',
      ].filter(Boolean);
      const label = sourceAudio({ graph, path: clip.source.path, sourceStart: s(clip.sourceIn), count });
      return graph.chain([label], [...fades, `adelay=delays=${start}S:all=1`].join(','), 'a');
    });
  if (layers.length === 0) return program;
  const label = graph.chain([program.label, ...layers], `amix=inputs=${layers.length + 1}:normalize=0:duration=first:dropout_transition=0`, 'm');
  return { label, length: program.length };
}

/** Exactly `count` samples of a file from sample `sourceStart` (negative: silence first), padded with silence past its end. */
function sourceAudio(args: { graph: FilterGraph; path: string; sourceStart: number; count: number }): string {
  const { graph, path, sourceStart, count } = args;
  const lead = Math.max(0, -sourceStart);
  if (lead >= count) return silence(graph, count);
  const first = Math.max(0, sourceStart);
  // Whole seconds keep the seek on a sample boundary, so the trim below is exact.
  const seekSeconds = Math.max(0, Math.floor(first / SAMPLE_RATE) - 1);
  const skip = first - seekSeconds * SAMPLE_RATE;
  const input = graph.input(['-ss', String(seekSeconds), '-t', ((skip + count) / SAMPLE_RATE + 1).toFixed(6), '-i', path]);
  const filters = [
    FORMAT,
    `atrim=start_sample=${skip}:end_sample=${skip + Math.max(0, count - lead)}`,
    'asetpts=N/SR/TB',
    lead > 0 ? `adelay=delays=${lead}S:all=1` : '',
    `apad=whole_len=${count}`,
    `atrim=end_sample=${count}`,
  ].filter(Boolean);
  return graph.chain([`${input}:a`], filters.join(','), 'a');
}

export function silence(graph: FilterGraph, count: number): string {
  return graph.chain([], `anullsrc=r=${SAMPLE_RATE}:cl=stereo,${FORMAT},atrim=end_sample=${count}`, 'a');
}
