import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { writeEdl, type WriteEdlEvent } from '../src/assembly/edl/index.ts';
import { EditlyRenderer, FfmpegRenderer, type Renderer } from '../src/assembly/render/index.ts';
import { makeTake } from '../src/assembly/render/test-media.ts';
import { median, reporter, round, type BenchResult } from './bench-result.ts';

const run = promisify(execFile);
const TAKES = 60;
const SECONDS = 5;
const FPS = 24;
const DISSOLVE_FRAMES = 12;
const RUNS = 3;
// editly draws every frame through canvas and WebGL; past this the full list is estimated from a subset.
const EDITLY_FULL_LIMIT_S = 600;
const EDITLY_SUBSET_TAKES = 12;

const name = (i: number) => `shots/take_${String(i).padStart(2, '0')}.mp4`;

/** Takes 0..n-1 cut together whole; every third join (1, 4, 7...) a 12-frame dissolve when `dissolves`. */
function events(n: number, dissolves: boolean): WriteEdlEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    clipName: `take_${i}`,
    sourceFile: name(i),
    channels: 'V',
    sourceIn: 0,
    sourceOut: SECONDS * FPS,
    ...(dissolves && i % 3 === 1 ? { transition: { type: 'dissolve' as const, frames: DISSOLVE_FRAMES } } : {}),
  }));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - started) / 1000, value };
}

/**
 * The renderer on 60 draft-video-like takes (720p, 24 fps, 5 s each: 5 minutes): a plain
 * `ffmpeg -f concat -c copy` as the baseline, our ffmpeg renderer on the cuts-only list (stream
 * copy) and on the same takes with 20 dissolves (smart rendering), and editly on the dissolves.
 */
export async function benchRender(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'studio-bench-render-'));
  const project = join(dir, 'project');
  try {
    const slots = Math.max(1, availableParallelism());
    for (let i = 0; i < TAKES; i += slots) {
      await Promise.all(
        Array.from({ length: Math.min(slots, TAKES - i) }, (_, k) =>
          makeTake(join(project, name(i + k)), { seconds: SECONDS, fps: FPS, hue: ((i + k) * 37) % 360, tone: 220 + (i + k) * 10 }),
        ),
      );
    }
    const list = join(dir, 'concat.txt');
    await writeFile(list, Array.from({ length: TAKES }, (_, i) => `file '${join(project, name(i))}'\n`).join(''));
    const cuts = writeEdl({ title: 'Bench cuts', rate: '24', dropFrame: false, events: events(TAKES, false) })[0]!;
    const dissolves = writeEdl({ title: 'Bench dissolves', rate: '24', dropFrame: false, events: events(TAKES, true) })[0]!;
    const render = (renderer: Renderer, edlText: string, out: string) =>
      renderer.render({ edlText, rate: '24', dropFrame: false, projectDir: project, outputPath: join(dir, 'out', out), width: 1280, height: 720 });

    // Warm the page cache, then alternate baseline and renderer so both see the same machine.
    await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', join(dir, 'baseline.mp4')]);
    const baseline: number[] = [];
    const copy: number[] = [];
    let copyMethod = '';
    for (let k = 0; k < RUNS; k++) {
      baseline.push(
        (await timed(() => run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', join(dir, 'baseline.mp4')])))
          .seconds,
      );
      const r = await timed(() => render(new FfmpegRenderer(), cuts, 'cuts.mp4'));
      copy.push(r.seconds);
      copyMethod = r.value.method;
    }
    const smart: number[] = [];
    let smartMethod = '';
    let smartFrames = 0;
    for (let k = 0; k < RUNS; k++) {
      const r = await timed(() => render(new FfmpegRenderer(), dissolves, 'dissolves.mp4'));
      smart.push(r.seconds);
      smartMethod = r.value.method;
      smartFrames = r.value.frames;
    }

    const subsetEdl = writeEdl({ title: 'Bench dissolves subset', rate: '24', dropFrame: false, events: events(EDITLY_SUBSET_TAKES, true) })[0]!;
    const subset = await timed(() => render(new EditlyRenderer(), subsetEdl, 'editly-subset.mp4'));
    const estimate = (subset.seconds * smartFrames) / subset.value.frames;
    // Past the limit editly is not run whole: every figure drawn from its time is named extrapolated.
    const whole = estimate <= EDITLY_FULL_LIMIT_S || process.env.BENCH_EDITLY_WHOLE === '1';
    const editly = whole
      ? { seconds: (await timed(() => render(new EditlyRenderer(), dissolves, 'editly.mp4'))).seconds, suffix: '', note: undefined }
      : {
          seconds: estimate,
          suffix: `_extrapolated_from_${EDITLY_SUBSET_TAKES}_of_${TAKES}_takes`,
          note: `editly ran ${EDITLY_SUBSET_TAKES} of ${TAKES} takes (${round(subset.seconds, 1)} s for ${subset.value.frames} frames), scaled by frame count to ${smartFrames} frames; BENCH_EDITLY_WHOLE=1 runs it whole`,
        };

    const cutsSeconds = TAKES * SECONDS;
    const dissolveSeconds = smartFrames / FPS;
    const [b, c, s] = [median(baseline), median(copy), median(smart)];
    const speed = (output: number, wall: number) => round(output / wall, 1);
    const r = reporter('render');
    r.measured('concat_copy_baseline_60_takes_5min', round(b, 3), 's', 'baseline');
    r.measured('concat_copy_baseline_speed', speed(cutsSeconds, b), 'output s per s', 'baseline');
    r.measured(`ffmpeg_cuts_60_takes_5min_${copyMethod}`, round(c, 3), 's');
    r.measured('ffmpeg_cuts_speed', speed(cutsSeconds, c), 'output s per s');
    // A shared machine's load moves every figure: the ratios are what carries over.
    const load = `load average ${loadavg()
      .map((l) => round(l, 1))
      .join(' / ')} on ${availableParallelism()} cores`;
    r.measured('ffmpeg_cuts_vs_concat_copy_baseline', round(c / b, 2), 'x', { op: '<=', value: 1.1 }, load);
    r.measured(`ffmpeg_20_dissolves_5min_${smartMethod}`, round(s, 3), 's');
    r.measured('ffmpeg_20_dissolves_speed', speed(dissolveSeconds, s), 'output s per s');
    r.measured(`editly_20_dissolves_5min${editly.suffix}`, round(editly.seconds, 1), 's', undefined, editly.note);
    r.measured(`editly_20_dissolves_5min${editly.suffix}_speed`, round(dissolveSeconds / editly.seconds, 2), 'output s per s', undefined, editly.note);
    r.measured(
      `ffmpeg_vs_editly_20_dissolves_speedup${editly.suffix}`,
      round(editly.seconds / s, 1),
      'x',
      { op: '>=', value: 50 },
      [editly.note, load].filter(Boolean).join('; '),
    );
    return r.results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await benchRender()) console.log(JSON.stringify(result));
}
