import { describe, expect, it } from 'vitest';
import { checkRecordOrder } from './check-record-order.ts';
import { readEdl } from './read-edl.ts';
import { FRAME_RATES, supportsDropFrame, timebase, timecodeToFrames, type FrameRate } from './timecode.ts';
import type { EdlList } from './types.ts';
import { writeEdl, type WriteEdlArgs, type WriteEdlEvent } from './write-edl.ts';

const take = (scene: string, shot: string, sourceIn: number, sourceOut: number, extra: Partial<WriteEdlEvent> = {}): WriteEdlEvent => ({
  clipName: `${scene}_${shot.replace('_', '-')}_v01_take01.mp4`,
  sourceFile: `03_Renders/${scene}/${shot}/${shot.replace('_', '-')}_v01_take01.mp4`,
  channels: 'V',
  sourceIn,
  sourceOut,
  scene,
  shot,
  ...extra,
});

/**
 * What the writer was asked for, rebuilt from what the studio's reader makes of the list: a
 * dissolve gives back to its outgoing clip the frames it took. Equal to the writer's input when
 * reader and writer agree.
 */
function rebuild(lists: readonly EdlList[]): Array<{ file: string; channels: string; sourceIn: number; sourceOut: number; dissolve: number }> {
  const out: Array<{ file: string; channels: string; sourceIn: number; sourceOut: number; dissolve: number }> = [];
  const lastOn = new Map<string, (typeof out)[number]>();
  for (const event of lists.flatMap((list) => list.events)) {
    if (event.recordOut.frames === event.recordIn.frames) continue; // a dissolve's outgoing zero-length cut
    const dissolve = event.transition.type === 'D' ? event.transition.duration! : 0;
    if (dissolve) lastOn.get(event.channels)!.sourceOut += dissolve;
    const rebuilt = { file: event.sourceFile!, channels: event.channels, sourceIn: event.sourceIn.frames, sourceOut: event.sourceOut.frames, dissolve };
    out.push(rebuilt);
    lastOn.set(event.channels, rebuilt);
  }
  return out.sort((a, b) => a.channels.localeCompare(b.channels));
}

function asked(events: readonly WriteEdlEvent[]) {
  return events
    .map((e) => ({
      file: e.sourceFile,
      channels: e.channels,
      sourceIn: e.sourceIn,
      sourceOut: e.sourceOut,
      dissolve: e.transition?.type === 'dissolve' ? e.transition.frames : 0,
    }))
    .sort((a, b) => a.channels.localeCompare(b.channels));
}

/** Writes, reads every part back strictly, and checks the round trip and the record order. */
function roundTrip(args: WriteEdlArgs): { texts: string[]; lists: EdlList[] } {
  const texts = writeEdl(args);
  const lists = texts.map((text) => readEdl({ text, rate: args.rate, strict: true }));
  for (const list of lists) expect(() => checkRecordOrder(list)).not.toThrow();
  expect(rebuild(lists)).toEqual(asked(args.events.filter((e) => e.reel !== 'BL')));
  return { texts, lists };
}

const RATES: Array<{ rate: FrameRate; dropFrame: boolean }> = FRAME_RATES.flatMap((rate) => [
  { rate, dropFrame: false },
  ...(supportsDropFrame(rate) ? [{ rate, dropFrame: true }] : []),
]);

describe('the studio reader agrees with the writer', () => {
  it.each(RATES)('at $rate fps (drop frame $dropFrame): cuts, dissolves and dialogue after a gap', ({ rate, dropFrame }) => {
    const tb = timebase(rate);
    const events = [
      take('SCENE_01', 'SHOT_010', 0, 3 * tb),
      take('SCENE_01', 'SHOT_020', 5, 2 * tb + 5, { transition: { type: 'dissolve', frames: 12 } }),
      take('SCENE_02', 'SHOT_010', 0, 4 * tb, { transition: { type: 'dissolve', frames: 8 } }),
      take('SCENE_02', 'SHOT_020', tb, 3 * tb),
      {
        clipName: 'line.wav',
        sourceFile: '03_Renders/SCENE_02/SHOT_010/SHOT-010_v01_take01.wav',
        channels: 'A',
        sourceIn: 0,
        sourceOut: tb,
        recordOffset: 5 * tb,
        scene: 'SCENE_02',
        shot: 'SHOT_010',
      },
    ];
    const { lists } = roundTrip({ title: `Rates ${rate}`, rate, dropFrame, recordStart: dropFrame ? '00:59:59;00' : '00:59:59:00', events });
    const audio = lists[0]!.events.find((e) => e.channels === 'A')!;
    const start = timecodeToFrames({ timecode: '00:59:59:00', rate, dropFrame });
    expect(audio.recordIn.frames - start).toBe(5 * tb);
  });

  it('a list that ends exactly at midnight writes its last out point as 24:00:00:00 and reads back', () => {
    // 23:59:52:07 plus 185 frames at 24 fps: the last frame is 23:59:59:23.
    const { texts, lists } = roundTrip({
      title: 'Midnight',
      rate: '24',
      dropFrame: false,
      recordStart: '23:59:52:07',
      events: [take('SCENE_01', 'SHOT_010', 0, 100), take('SCENE_01', 'SHOT_020', 0, 85)],
    });
    expect(texts[0]).toContain('00:00:00:00 00:00:03:13 23:59:56:11 24:00:00:00');
    expect(lists[0]!.events.at(-1)!.recordOut.frames).toBe(24 * 86_400);
  });

  it('ends at midnight in drop-frame timecode too', () => {
    const start = timecodeToFrames({ timecode: '23:59:00;02', rate: '29.97', dropFrame: true });
    const day = 144 * (30 * 600 - 18);
    const { texts } = roundTrip({
      title: 'DF midnight',
      rate: '29.97',
      dropFrame: true,
      recordStart: '23:59:00;02',
      events: [take('SCENE_01', 'SHOT_010', 0, day - start)],
    });
    expect(texts[0]).toContain(' 23:59:00;02 24:00:00;00');
  });

  it('a cut past midnight is refused naming the event as written and its shot', () => {
    const write = () =>
      writeEdl({
        title: 'Late',
        rate: '24',
        dropFrame: false,
        recordStart: '23:59:52:07',
        events: [take('SCENE_01', 'SHOT_010', 0, 100), take('SCENE_01', 'SHOT_020', 0, 86)],
      });
    expect(write).toThrow(/^event 002 \(SCENE_01\/SHOT_020\): record frame count 2073601 is outside the 24-hour clock/);
  });

  it('over 999 events: parts start at a cut, never with a dissolve from the part before, and read back whole', () => {
    // Runs of three dissolves, so many natural 999-event boundaries fall inside a run.
    const events = Array.from({ length: 2500 }, (_, i) =>
      take(
        `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`,
        `SHOT_${String(10 * (1 + (i % 100))).padStart(3, '0')}`,
        0,
        24,
        i % 4 === 0 ? {} : { transition: { type: 'dissolve', frames: 4 } },
      ),
    );
    const { texts, lists } = roundTrip({ title: 'Long', rate: '25', dropFrame: false, events });
    expect(texts.length).toBe(3);
    for (const list of lists) {
      expect(list.events.length).toBeLessThanOrEqual(999 * 2);
      expect(list.events[0]!.transition.type).toBe('C');
      // A part's first event is a whole clip, not the zero-length outgoing half of a dissolve.
      expect(list.events[0]!.recordOut.frames).toBeGreaterThan(list.events[0]!.recordIn.frames);
      expect(new Set(list.events.map((e) => e.number)).size).toBeLessThanOrEqual(999);
    }
    // Record time continues from one part to the next.
    for (let p = 1; p < lists.length; p += 1) expect(lists[p]!.events[0]!.recordIn.frames).toBe(lists[p - 1]!.events.at(-1)!.recordOut.frames);
  });
});

describe('what the writer puts in the list', () => {
  it('names reels by scene and shot first, unique across scenes, not by take number', () => {
    const [text] = writeEdl({
      title: 'Reels',
      rate: '24',
      dropFrame: false,
      events: [take('SCENE_01', 'SHOT_010', 0, 24), take('SCENE_01', 'SHOT_020', 0, 24), take('SCENE_02', 'SHOT_010', 0, 24)],
    });
    const reels = readEdl({ text: text!, rate: '24' }).events.map((e) => e.reel);
    expect(reels).toEqual(['S01_010', 'S01_020', 'S02_010']);
  });

  it('a second file of the same shot gets its own reel, still led by scene and shot', () => {
    const [text] = writeEdl({
      title: 'Two files',
      rate: '24',
      dropFrame: false,
      events: [
        take('SCENE_01', 'SHOT_010', 0, 24),
        take('SCENE_01', 'SHOT_010', 0, 24, { sourceFile: '03_Renders/SCENE_01/SHOT_010/SHOT-010_v02_take02.mp4' }),
      ],
    });
    expect(readEdl({ text: text!, rate: '24' }).events.map((e) => e.reel)).toEqual(['S01_010', 'S01_010B']);
  });

  it('writes no BL events on audio tracks and no empty SOURCE FILE comment for picture black', () => {
    const [text] = writeEdl({
      title: 'Black',
      rate: '24',
      dropFrame: false,
      events: [
        take('SCENE_01', 'SHOT_010', 0, 48),
        { reel: 'BL', clipName: 'BLACK', sourceFile: '', channels: 'V', sourceIn: 0, sourceOut: 24 },
        take('SCENE_01', 'SHOT_020', 0, 48),
        { reel: 'BL', clipName: 'BLACK', sourceFile: '', channels: 'A', sourceIn: 0, sourceOut: 48 },
        { clipName: 'line.wav', sourceFile: 'line.wav', channels: 'A', sourceIn: 0, sourceOut: 24, recordOffset: 48 },
      ],
    });
    expect(text).not.toMatch(/SOURCE FILE: *$/m);
    const list = readEdl({ text: text!, rate: '24', strict: true });
    expect(list.events.filter((e) => e.reel === 'BL').map((e) => e.channels)).toEqual(['V']);
    expect(list.events.find((e) => e.channels === 'A')!.recordIn.timecode).toBe('01:00:02:00');
  });

  it('writes an ASCII TITLE line and keeps the full name in a comment', () => {
    const [text] = writeEdl({
      title: 'Café Noir — 東京',
      rate: '24',
      dropFrame: false,
      events: [take('SCENE_01', 'SHOT_010', 0, 24, { clipName: 'Señal.mp4' })],
    });
    expect(text!.split('\n')[0]).toBe('TITLE: Cafe Noir _ __');
    expect(text).toContain('* FULL TITLE: Café Noir — 東京');
    expect(text).toContain('* FROM CLIP NAME: Senal.mp4');
    const ascii = text!.split('\n').filter((line) => !line.startsWith('* FULL TITLE'));
    for (const line of ascii) expect(line).toMatch(/^[\x20-\x7e]*$/);
  });

  it('writes a source at another rate in its own timecode, says so per event, and reads back conformed', () => {
    // 24 fps takes in a 25 fps list: 2 s is 50 record frames and 48 source frames.
    const events = [
      take('SCENE_01', 'SHOT_010', 0, 48, { sourceRate: '24' }),
      take('SCENE_01', 'SHOT_020', 12, 60, { sourceRate: '24', transition: { type: 'dissolve', frames: 10 } }),
      take('SCENE_01', 'SHOT_030', 0, 50),
    ];
    const [text] = writeEdl({ title: 'Conform', rate: '25', dropFrame: false, events });
    const list = readEdl({ text: text!, rate: '25', strict: true });
    expect(text).toContain('* SOURCE FRAME RATE: 24');
    expect(text).toContain('* FROM SOURCE FRAME RATE: 24');
    expect(text).toContain('* TO SOURCE FRAME RATE: 24');
    const [first, , dissolve, last] = list.events;
    expect(first!.sourceRate).toBe('24');
    expect(dissolve!.sourceRate).toBe('24');
    expect(last!.sourceRate).toBeUndefined();
    // Every source timecode of a 24 fps take has a frame field that exists at 24.
    for (const event of list.events.slice(0, 3))
      for (const tc of [event.sourceIn.timecode, event.sourceOut.timecode]) expect(Number(tc.slice(9))).toBeLessThan(24);
    expect(dissolve!.recordOut.frames - dissolve!.recordIn.frames).toBe(50);
    expect(dissolve!.sourceOut.frames - dissolve!.sourceIn.frames).toBe(48);
    expect(last!.recordIn.frames - first!.recordIn.frames).toBe(50 - 10 + 50);
  });

  it('refuses a trim past the end of its take, naming the event and the shot', () => {
    const write = () =>
      writeEdl({
        title: 'Trim',
        rate: '24',
        dropFrame: false,
        events: [take('SCENE_01', 'SHOT_010', 0, 24), take('SCENE_01', 'SHOT_020', 120, 121, { mediaFrames: 48 })],
      });
    expect(write).toThrow(/^event 002 \(SCENE_01\/SHOT_020\): trim 120-121 runs past the end of SCENE_01_SHOT-020_v01_take01.mp4, which holds 48 frames/);
  });

  it('names a refused dissolve by the event number written and its shot, in the part it is in', () => {
    const events = Array.from({ length: 1001 }, (_, i) => take('SCENE_01', `SHOT_${String(i + 1).padStart(4, '0')}`, 0, 10));
    events[1000] = take('SCENE_01', 'SHOT_1001', 0, 10, { transition: { type: 'dissolve', frames: 30 } });
    expect(() => writeEdl({ title: 'Parts', rate: '24', dropFrame: false, events })).toThrow(
      /^part 2, event 002 \(SCENE_01\/SHOT_1001\): dissolve of 30 frames is longer than the outgoing clip/,
    );
  });
});
