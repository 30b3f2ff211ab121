import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEdl, type WriteEdlEvent } from '../edl/index.ts';
import { encodeJoins } from './encode-joins.ts';
import { FfmpegRenderer } from './ffmpeg-renderer.ts';
import { planPieces } from './smart-plan.ts';
import { loadSources } from './source-lookup.ts';
import { makeTake } from './test-media.ts';
import { loadTimeline } from './timeline.ts';
import { readX264Options, x264ArgsFor } from './x264-settings.ts';

const run = promisify(execFile);
let dir: string;
let project: string;
const TAKES = 7;

const take = (i: number) => `shots/t${i}.mp4`;
/** Whole 3 s takes cut together, every other join a 12-frame dissolve. */
const events = (): WriteEdlEvent[] =>
  Array.from({ length: TAKES }, (_, i) => ({
    clipName: `t${i}`,
    sourceFile: take(i),
    channels: 'V',
    sourceIn: 0,
    sourceOut: 72,
    ...(i % 2 === 1 ? { transition: { type: 'dissolve' as const, frames: 12 } } : {}),
  }));
const edlText = () => writeEdl({ title: 'joins', rate: '24', dropFrame: false, events: events() })[0]!;
const request = (outputPath: string) => ({
  edlText: edlText(),
  rate: '24' as const,
  dropFrame: false,
  projectDir: project,
  outputPath,
  width: 1280,
  height: 720,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smart-render-test-'));
  project = join(dir, 'project');
  for (let i = 0; i < TAKES; i++) await makeTake(join(project, take(i)), { seconds: 3, hue: i * 50, tone: 300 + i * 60 });
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('smart rendering of joins', () => {
  it('re-encodes from the dissolve on, not from the keyframe before it: the GOP prefix before it is copied', async () => {
    const timeline = await loadTimeline(request(join(dir, 'unused.mp4')));
    const { media } = await loadSources(timeline);
    const { pieces } = await planPieces(timeline, media);
    const dissolves = timeline.video.filter((s) => s.dissolveIn > 0);
    const encodes = pieces.filter((p) => p.kind === 'encode');
    expect(encodes).toHaveLength(dissolves.length);
    for (const [k, segment] of dissolves.entries()) {
      const piece = encodes[k]!;
      // The outgoing take's keyframe before the dissolve is at its frame 48 (record frame recordIn - 12).
      expect(piece.recordIn).toBeGreaterThan(segment.recordIn - 12);
      expect(piece.recordIn).toBeLessThanOrEqual(segment.recordIn);
      // The incoming take is copied again from its second keyframe, 24 frames in.
      expect(piece.recordOut).toBe(segment.recordIn + 24);
    }
    // Between joins every frame is copied: the pieces tile the record frames.
    let at = 0;
    for (const p of pieces) {
      const recordIn = p.recordIn;
      expect(recordIn).toBe(at);
      at = p.kind === 'encode' ? p.recordOut : recordIn + (p.to - p.from);
    }
    expect(at).toBe(timeline.frames);
  });

  it('encodes several joins back to back in one x264 stream, each a run of samples opening on an IDR that holds exactly its frames', async () => {
    const timeline = await loadTimeline(request(join(dir, 'unused.mp4')));
    const { media, lookup } = await loadSources(timeline);
    const { pieces, reference } = await planPieces(timeline, media);
    const encodes = pieces.filter((p) => p.kind === 'encode');
    const encoder = x264ArgsFor((await readX264Options(reference.path, reference.video!))!)!;
    const workDir = await mkdtemp(join(dir, 'batch-'));
    const joins = await encodeJoins({
      timeline,
      media: lookup,
      reference,
      encoder: [...encoder, '-threads', '1'],
      workDir,
      name: 'batch',
      pieces: encodes.map((piece) => ({ piece, windows: [] })),
      addWindow: () => [],
    });
    // One file: the batch was not split up again into one process per join.
    expect(new Set(joins.map((j) => j.path))).toEqual(new Set([join(workDir, 'batch.mp4')]));
    let first = 0;
    for (const [k, piece] of encodes.entries()) {
      expect(joins[k]).toMatchObject({ first, count: piece.recordOut - piece.recordIn });
      first += piece.recordOut - piece.recordIn;
    }
    // x264 put a keyframe where each join opens (and the stream has every frame once).
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v',
      '-show_entries',
      'frame=key_frame,pict_type',
      '-of',
      'json',
      joins[0]!.path,
    ]);
    const frames = (JSON.parse(stdout) as { frames: Array<{ key_frame: number; pict_type: string }> }).frames;
    expect(frames).toHaveLength(first);
    for (const j of joins) expect(frames[j.first]).toMatchObject({ key_frame: 1, pict_type: 'I' });
  });

  it('encodes its joins in parallel into one file that has every frame and decodes without an error', async () => {
    const outputPath = join(dir, 'out', 'joins.mp4');
    const result = await new FfmpegRenderer().render(request(outputPath));
    expect(result.method).toBe('smart');
    const frames = TAKES * 72 - 3 * 12;
    expect(result.frames).toBe(frames);
    // A full decode: a copied prefix cut at the wrong sample, or joins placed out of order, shows up
    // as decoder errors or a wrong count of decoded frames.
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', outputPath, '-map', '0:v', '-f', 'framemd5', '-']);
    expect(decoded.stderr).toBe('');
    expect(decoded.stdout.split('\n').filter((l) => l && !l.startsWith('#'))).toHaveLength(frames);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-count_packets',
      '-show_entries',
      'stream=codec_type,nb_read_packets,duration',
      '-of',
      'json',
      outputPath,
    ]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; nb_read_packets: string; duration: string }> }).streams;
    expect(Number(streams.find((s) => s.codec_type === 'video')!.nb_read_packets)).toBe(frames);
    expect(Math.abs(Number(streams.find((s) => s.codec_type === 'audio')!.duration) - frames / 24)).toBeLessThanOrEqual(1024 / 48_000);
  });
});
