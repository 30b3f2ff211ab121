import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { editlySpec, type EditlyOptions } from './editly-spec.ts';
import { RenderError } from './errors.ts';
import { checkRequest } from './ffmpeg-renderer.ts';
import { framesToSeconds, frameToSample, rateString } from './frame-rate.ts';
import { writeAtomically } from './output-file.ts';
import { measureOutput, verifyOutput } from './probe.ts';
import type { RenderRequest, RenderResult, Renderer } from './render-types.ts';
import { runFfmpeg, runTool } from './run-tool.ts';
import { loadTimeline } from './timeline.ts';
import { AAC_DELIVERY, H264_DELIVERY } from './delivery-codecs.ts';

/**
 * Renders with editly (canvas + headless-gl, every frame through Node), which draws titles,
 * subtitles and GL transitions the ffmpeg renderer does not. It needs an X display for
 * headless-gl, so it runs under `xvfb-run -a`.
 */
const XVFB_RUN = 'xvfb-run';

export class EditlyRenderer implements Renderer {
  readonly name = 'editly' as const;
  constructor(private readonly options: EditlyOptions = {}) {}

  async render(req: RenderRequest): Promise<RenderResult & { note: string }> {
    const started = performance.now();
    checkRequest(req);
    const progress = (fraction: number, step: string) => req.onProgress?.(Math.min(1, Math.max(0, fraction)), step);
    progress(0, 'reading the list');
    const timeline = await loadTimeline(req);
    const cli = await editlyCli();
    req.signal?.throwIfAborted();
    const workDir = await mkdtemp(join(tmpdir(), 'studio-editly-'));
    try {
      const note = await writeAtomically(req.outputPath, async (partial) => {
        // editly keeps its scratch folder beside its output: both stay in workDir, away from the user's folder.
        const raw = join(workDir, 'editly.mp4');
        const specPath = join(workDir, 'spec.json');
        await writeFile(specPath, JSON.stringify(editlySpec({ timeline, width: req.width, height: req.height, outPath: raw, options: this.options })));
        progress(0.01, 'rendering');
        await runTool({
          command: XVFB_RUN,
          args: ['-a', process.execPath, cli, '--json', specPath],
          signal: req.signal,
          group: true,
          onLine: () => {},
          onData: (chunk) => {
            const percent = [...chunk.matchAll(/(\d+)% /g)].at(-1)?.[1];
            if (percent) progress(0.01 + 0.9 * (Number(percent) / 100), 'rendering');
          },
        }).catch(xvfbMissing);
        progress(0.92, 'verifying');
        const note = await conform({ raw, partial, frames: timeline.frames, width: req.width, height: req.height, fps: timeline.fps, signal: req.signal });
        await verifyOutput({
          path: partial,
          frames: timeline.frames,
          width: req.width,
          height: req.height,
          seconds: framesToSeconds(timeline.frames, timeline.fps),
          signal: req.signal,
        });
        return note;
      });
      progress(1, 'done');
      return { outputPath: req.outputPath, frames: timeline.frames, method: 'editly', seconds: (performance.now() - started) / 1000, note };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

/**
 * editly's clip lengths add up to the list's duration, but its audio comes out of its own mixing
 * and a transition can be shortened when a clip is under twice its length. When the frame count or
 * the sound's length is off, this trims or pads the result (holding the last frame, adding
 * silence), re-encoding the picture only if its frame count is wrong.
 */
async function conform(args: {
  raw: string;
  partial: string;
  frames: number;
  width: number;
  height: number;
  fps: { num: number; den: number };
  signal?: AbortSignal | undefined;
}): Promise<string> {
  const seconds = framesToSeconds(args.frames, args.fps);
  const check = await measureOutput({ path: args.raw, frames: args.frames, width: args.width, height: args.height, seconds, signal: args.signal });
  const pictureOk = check.frames === args.frames;
  const soundOk = check.audioSeconds !== null && Math.abs(check.audioSeconds - seconds) <= 1024 / 48_000;
  if (pictureOk && soundOk) {
    await copyFile(args.raw, args.partial);
    return 'editly output used as written';
  }
  const samples = frameToSample(args.frames, args.fps);
  await runFfmpeg({
    args: [
      '-i',
      args.raw,
      ...(check.audioSeconds === null ? ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'] : []),
      '-map',
      '0:v:0',
      '-map',
      check.audioSeconds === null ? '1:a:0' : '0:a:0',
      ...(pictureOk ? ['-c:v', 'copy'] : ['-vf', `tpad=stop=-1:stop_mode=clone,trim=end_frame=${args.frames}`, ...H264_DELIVERY, '-r', rateString(args.fps)]),
      '-af',
      `apad=whole_len=${samples},atrim=end_sample=${samples}`,
      ...AAC_DELIVERY,
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      args.partial,
    ],
    signal: args.signal,
  });
  return `editly wrote ${check.frames} frames and ${check.audioSeconds ?? 'no'} s of sound for ${args.frames} frames (${seconds.toFixed(3)} s): ${pictureOk ? 'sound' : 'picture and sound'} trimmed or padded to the list`;
}

/** editly's command-line entry point, or a RenderError saying it is not installed. */
async function editlyCli(): Promise<string> {
  try {
    const pkg = createRequire(import.meta.url).resolve('editly/package.json');
    return join(dirname(pkg), 'cli.js');
  } catch {
    throw new RenderError('editly is not installed: npm install -w engine editly (its canvas and gl install scripts must be allowed)', { missing: 'editly' });
  }
}

/** runTool's ENOENT for xvfb-run (spawn looks it up on PATH), said as what to install. */
function xvfbMissing(error: unknown): never {
  if (error instanceof RenderError && error.data.command === XVFB_RUN && /not installed/.test(error.message))
    throw new RenderError('xvfb-run is not installed: editly needs an X display for headless-gl (apt-get install xvfb)', { missing: XVFB_RUN });
  throw error;
}
