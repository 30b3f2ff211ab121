import { AAC_DELIVERY, H264_DELIVERY } from './delivery-codecs.ts';
import { writeAtomically } from './output-file.ts';
import { runFfmpeg } from './run-tool.ts';

/** The word burned into every frame of a draft render (docs/governance.md#review). */
export const DRAFT_WATERMARK = 'DRAFT';

/**
 * Burns a large, half-transparent watermark across the middle of every frame with ffmpeg's drawtext,
 * writing `outputPath` atomically (the source is left as it is). Audio is copied untouched.
 */
export async function burnWatermark({
  inputPath,
  outputPath,
  text = DRAFT_WATERMARK,
  signal,
}: {
  inputPath: string;
  outputPath: string;
  text?: string;
  signal?: AbortSignal;
}): Promise<void> {
  // drawtext's own escaping: the text is a fixed word, but a caller's text must not break the filter.
  const safe = text.replace(/[\\':%]/g, (c) => `\\${c}`);
  const filter = [
    `drawtext=text='${safe}'`,
    'fontcolor=white@0.55',
    'fontsize=h/4',
    'borderw=3',
    'bordercolor=black@0.55',
    'x=(w-text_w)/2',
    'y=(h-text_h)/2',
  ].join(':');
  await writeAtomically(outputPath, (partial) =>
    runFfmpeg({
      args: [
        '-i',
        inputPath,
        '-map',
        '0:v:0',
        '-map',
        '0:a?',
        '-vf',
        filter,
        ...H264_DELIVERY,
        ...AAC_DELIVERY,
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        partial,
      ],
      ...(signal ? { signal } : {}),
    }),
  );
}
