import { joinStreams, type FilterGraph, type Stream } from './filter-graph.ts';
import { framesToSeconds, rateString, secondsArg, type Rational } from './frame-rate.ts';
import type { Timeline, VideoSegment } from './timeline-types.ts';

export interface MediaLookup {
  hasVideo(path: string): boolean;
  hasAudio(path: string): boolean;
}

/** A segment's share of a record range: `count` frames from source frame `sourceStart`, dissolving in over `join`. */
export interface RangeItem {
  segment: VideoSegment;
  /** Record frame where the item starts. */
  recordStart: number;
  sourceStart: number;
  count: number;
  join: number;
}

/**
 * The pieces of picture that make record frames [from, to). A range never splits a dissolve: the
 * outgoing segment's tail is included when the dissolve lies inside the range.
 */
export function videoItems(timeline: Timeline, from: number, to: number): RangeItem[] {
  const items: RangeItem[] = [];
  for (const segment of timeline.video) {
    const ownStart = Math.max(segment.recordIn, from);
    const ownEnd = Math.min(segment.recordOut, to);
    const withTail = segment.tail > 0 && segment.recordOut >= from && segment.recordOut + segment.tail <= to;
    const own = Math.max(0, ownEnd - ownStart);
    if (own === 0 && !withTail) continue;
    const join = segment.dissolveIn > 0 && segment.recordIn >= from && items.length > 0 ? segment.dissolveIn : 0;
    items.push({
      segment,
      recordStart: ownStart,
      sourceStart: segment.sourceIn + (ownStart - segment.recordIn),
      count: own + (withTail ? segment.tail : 0),
      join,
    });
  }
  return items;
}

/** Record frames [from, to) as one stream of width x height yuv420p at the sequence rate. */
export function buildVideo(args: {
  graph: FilterGraph;
  timeline: Timeline;
  from: number;
  to: number;
  width: number;
  height: number;
  media: MediaLookup;
}): Stream {
  const { graph, timeline } = args;
  const fps = timeline.fps;
  const items = videoItems(timeline, args.from, args.to).map((item) => ({ ...segmentVideo({ ...args, item, fps }), join: item.join }));
  return joinStreams({
    graph,
    items,
    kind: 'video',
    crossfade: (left, right, join) => {
      // concat hands on microsecond timestamps; xfade wants both sides in one time base. xfade takes
      // no 4:2:0 picture: given one, ffmpeg scales every frame of both sides to 4:4:4 and back, which
      // costs more than the fade and softens the chroma of frames that are not even in it. A fade
      // mixes each sample with its counterpart alone, so each plane fades as a gray picture of its own.
      const planes = [left, right].map((s) => graph.split([s.label], `settb=${fps.den}/${fps.num},extractplanes=y+u+v`, 3, 'p'));
      const fade = `xfade=transition=fade:duration=${secondsArg(framesToSeconds(join, fps))}:offset=${secondsArg(framesToSeconds(left.length - join, fps))}`;
      const faded = [0, 1, 2].map((p) => graph.chain([planes[0]![p]!, planes[1]![p]!], fade, 'x'));
      return graph.chain(faded, 'mergeplanes=format=yuv420p:map0s=0:map0p=0:map1s=1:map1p=0:map2s=2:map2p=0', 'x');
    },
  });
}

function segmentVideo(args: { graph: FilterGraph; item: RangeItem; fps: Rational; width: number; height: number; media: MediaLookup }): Stream {
  const { graph, item, fps, width, height } = args;
  const { segment, count } = item;
  const rate = rateString(fps);
  const fit = `scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p`;
  const cap = `trim=end_frame=${count},setpts=PTS-STARTPTS`;
  const source = segment.source;
  if (segment.kind === 'still' && source) {
    const input = graph.input(['-loop', '1', '-framerate', rate, '-t', secondsArg(framesToSeconds(count + 1, fps)), '-i', source.path]);
    return { label: graph.chain([`${input}:v`], `${fit},${cap}`, 'v'), length: count };
  }
  if (segment.kind === 'clip' && source && args.media.hasVideo(source.path)) {
    // A microsecond early keeps the wanted frame whatever the rounding of its timestamp, and still
    // lands on it when it is a keyframe (no GOP decoded for nothing).
    const seek = Math.max(0, framesToSeconds(item.sourceStart, fps) - 1e-6);
    const input = graph.input(['-ss', secondsArg(seek), '-t', secondsArg(framesToSeconds(count + 2, fps)), '-i', source.path]);
    // tpad holds the last frame should the media end early (a dissolve tail past a take's end).
    return { label: graph.chain([`${input}:v`], `setpts=PTS-STARTPTS,fps=${rate},${fit},tpad=stop=-1:stop_mode=clone,${cap}`, 'v'), length: count };
  }
  return { label: graph.chain([], `color=c=black:s=${width}x${height}:r=${rate},format=yuv420p,setsar=1,${cap}`, 'v'), length: count };
}
