import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FilterGraph, Stream } from './filter-graph.ts';
import type { Timeline } from './timeline-types.ts';

/** Debian's fonts-dejavu-core, which ffmpeg's drawtext needs a file of. */
export const OVERLAY_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

/**
 * Draws the timeline's title cards (centred, large) and lower thirds (bottom left, on a dark
 * band) over the record frames of their segments with drawtext. The text goes through a file
 * (`textfile`) so that nothing a user types is parsed as filter syntax.
 */
export async function drawOverlays(args: { graph: FilterGraph; timeline: Timeline; stream: Stream; height: number; workDir: string }): Promise<Stream> {
  const { graph, timeline, stream } = args;
  const filters: string[] = [];
  let n = 0;
  for (const segment of timeline.video) {
    for (const overlay of segment.overlays ?? []) {
      const file = join(args.workDir, `overlay-${n++}.txt`);
      await writeFile(file, overlay.text);
      const when = `enable='between(n\\,${segment.recordIn}\\,${segment.recordOut - 1})'`;
      const place =
        overlay.kind === 'title'
          ? `fontsize=${Math.round(args.height / 10)}:x=(w-text_w)/2:y=(h-text_h)/2:borderw=3:bordercolor=black@0.8`
          : `fontsize=${Math.round(args.height / 18)}:x=w*0.06:y=h*0.80:box=1:boxcolor=black@0.55:boxborderw=${Math.round(args.height / 60)}`;
      filters.push(`drawtext=fontfile=${OVERLAY_FONT}:textfile=${file}:expansion=none:fontcolor=white:${place}:${when}`);
    }
  }
  if (filters.length === 0) return stream;
  return { label: graph.chain([stream.label], filters.join(','), 'v'), length: stream.length };
}
