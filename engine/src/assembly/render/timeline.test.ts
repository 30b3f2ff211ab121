import { describe, expect, it } from 'vitest';
import { writeEdl, type WriteEdlEvent } from '../edl/index.ts';
import { InvalidEdlError } from './errors.ts';
import { buildTimeline } from './timeline.ts';

const projectDir = '/projects/p';
const shot = (name: string, sourceIn: number, sourceOut: number, extra: Partial<WriteEdlEvent> = {}): WriteEdlEvent => ({
  clipName: name,
  sourceFile: `shots/${name}.mp4`,
  channels: 'V',
  sourceIn,
  sourceOut,
  ...extra,
});
const list = (events: WriteEdlEvent[]) => writeEdl({ title: 'T', rate: '24', dropFrame: false, events })[0]!;
const timeline = (edlText: string) => buildTimeline({ edlText, rate: '24', projectDir });

const line = (n: string, reel: string, ch: string, tr: string, src: [string, string], rec: [string, string], file: string) =>
  `${n}  ${reel.padEnd(8)} ${ch.padEnd(5)} ${tr.padEnd(8)} ${src[0]} ${src[1]} ${rec[0]} ${rec[1]}\n* SOURCE FILE: ${file}\n`;

describe('buildTimeline', () => {
  it('lays cuts end to end from the first record in, resolving sources in the project', () => {
    const t = timeline(list([shot('a', 0, 48), shot('b', 12, 60)]));
    expect(t.frames).toBe(96);
    expect(t.recordStart).toBe(24 * 3600);
    expect(t.video.map((s) => [s.kind, s.recordIn, s.recordOut, s.sourceIn, s.sourceOut, s.dissolveIn, s.tail])).toEqual([
      ['clip', 0, 48, 0, 48, 0, 0],
      ['clip', 48, 96, 12, 60, 0, 0],
    ]);
    expect(t.video[1]!.source).toEqual({ path: '/projects/p/shots/b.mp4', file: 'shots/b.mp4' });
    expect(t.dissolves).toEqual([]);
  });

  it('reads a dissolve as the outgoing clip playing its tail under the incoming one', () => {
    const t = timeline(list([shot('a', 0, 120), shot('b', 0, 120, { transition: { type: 'dissolve', frames: 12 } })]));
    expect(t.frames).toBe(228);
    const [a, b] = t.video;
    expect([a!.recordIn, a!.recordOut, a!.sourceOut, a!.tail]).toEqual([0, 108, 108, 12]);
    expect([b!.recordIn, b!.recordOut, b!.sourceIn, b!.dissolveIn]).toEqual([108, 228, 0, 12]);
    expect(t.dissolves).toEqual([{ from: 0, to: 1, frames: 12, recordIn: 108 }]);
  });

  it('marks stills, fills gaps with black and keeps audio-track events apart', () => {
    const t = timeline(
      list([
        shot('a', 0, 24),
        { clipName: 'still', sourceFile: 'stills/s.png', channels: 'V', sourceIn: 0, sourceOut: 24 },
        { clipName: 'line', sourceFile: 'audio/line.wav', channels: 'A2', sourceIn: 0, sourceOut: 30 },
      ]),
    );
    expect(t.video.map((s) => s.kind)).toEqual(['clip', 'still']);
    expect(t.audio).toMatchObject([{ channels: 'A2', recordIn: 0, recordOut: 30, source: { file: 'audio/line.wav' } }]);

    const gap = `TITLE: G\nFCM: NON-DROP FRAME\n\n${line('001', 'A', 'V', 'C', ['00:00:00:00', '00:00:01:00'], ['01:00:00:00', '01:00:01:00'], 'shots/a.mp4')}${line('002', 'B', 'V', 'C', ['00:00:00:00', '00:00:01:00'], ['01:00:02:00', '01:00:03:00'], 'shots/b.mp4')}`;
    expect(timeline(gap).video.map((s) => [s.kind, s.recordIn, s.recordOut])).toEqual([
      ['clip', 0, 24],
      ['black', 24, 48],
      ['clip', 48, 72],
    ]);
  });

  it('refuses overlapping records, naming the event', () => {
    const text = `TITLE: O\nFCM: NON-DROP FRAME\n\n${line('001', 'A', 'V', 'C', ['00:00:00:00', '00:00:02:00'], ['01:00:00:00', '01:00:02:00'], 'shots/a.mp4')}${line('002', 'B', 'V', 'C', ['00:00:00:00', '00:00:02:00'], ['01:00:01:00', '01:00:03:00'], 'shots/b.mp4')}`;
    const error = (() => {
      try {
        timeline(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidEdlError);
    expect((error as InvalidEdlError).message).toMatch(/^event 2\b/);
    expect((error as InvalidEdlError).data).toMatchObject({ event: 2 });
  });

  it('refuses a source outside the project and a wipe', () => {
    expect(() => timeline(list([shot('a', 0, 24, { sourceFile: '../other/a.mp4' })]))).toThrow(
      /event 1: source file '..\/other\/a.mp4' is outside the project/,
    );
    const wipe = `TITLE: W\nFCM: NON-DROP FRAME\n\n${line('001', 'A', 'V', 'C', ['00:00:00:00', '00:00:01:00'], ['01:00:00:00', '01:00:01:00'], 'shots/a.mp4')}${line('002', 'A', 'V', 'C', ['00:00:01:00', '00:00:01:00'], ['01:00:01:00', '01:00:01:00'], 'shots/a.mp4')}${line('002', 'B', 'V', 'W001 012', ['00:00:00:00', '00:00:01:00'], ['01:00:01:00', '01:00:02:00'], 'shots/b.mp4')}`;
    expect(() => timeline(wipe)).toThrow(/event 2: wipes cannot be rendered/);
  });
});
