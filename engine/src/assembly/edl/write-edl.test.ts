import { describe, expect, it } from 'vitest';
import { checkRecordOrder } from './check-record-order.ts';
import { EdlWriteError } from './errors.ts';
import { readEdl } from './read-edl.ts';
import { assignReelNames } from './reel-names.ts';
import type { FrameRate } from './timecode.ts';
import type { EdlEvent, EdlList } from './types.ts';
import { writeEdl, type WriteEdlEvent } from './write-edl.ts';

const shot = (name: string, sourceIn: number, sourceOut: number, extra: Partial<WriteEdlEvent> = {}): WriteEdlEvent => ({
  clipName: name,
  sourceFile: `shots/${name.toLowerCase()}/take_1.mp4`,
  channels: 'V',
  sourceIn,
  sourceOut,
  ...extra,
});

describe('writeEdl output', () => {
  it('writes a small list in CMX3600 columns (golden)', () => {
    const [list, ...rest] = writeEdl({
      title: 'Golden',
      rate: '24',
      dropFrame: false,
      events: [
        shot('SHOT010', 0, 96),
        shot('SHOT020', 12, 60),
        { clipName: 'Score', sourceFile: 'audio/score.wav', channels: 'A', sourceIn: 0, sourceOut: 144 },
      ],
    });
    expect(rest).toEqual([]);
    expect(list).toBe(
      [
        'TITLE: Golden',
        'FCM: NON-DROP FRAME',
        '',
        '001  SHOT010  V     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00',
        '* FROM CLIP NAME: SHOT010',
        '* SOURCE FILE: shots/shot010/take_1.mp4',
        '002  SCORE    A     C        00:00:00:00 00:00:06:00 01:00:00:00 01:00:06:00',
        '* FROM CLIP NAME: Score',
        '* SOURCE FILE: audio/score.wav',
        '003  SHOT020  V     C        00:00:00:12 00:00:02:12 01:00:04:00 01:00:06:00',
        '* FROM CLIP NAME: SHOT020',
        '* SOURCE FILE: shots/shot020/take_1.mp4',
        '',
      ].join('\n'),
    );
  });

  it('starts record time where asked and can end lines with CRLF', () => {
    const [list] = writeEdl({ title: 'T', rate: '25', dropFrame: false, recordStart: '00:59:50:00', lineEnding: '\r\n', events: [shot('A', 0, 25)] });
    expect(list).toContain('001  A        V     C        00:00:00:00 00:00:01:00 00:59:50:00 00:59:51:00\r\n');
    expect(list!.split('\r\n')).toHaveLength(7);
  });

  it('counts drop frame exactly at 29.97, with ; by default and : for Avid', () => {
    const events = [shot('A', 0, 1800), shot('B', 1798, 3600)];
    const [semicolons] = writeEdl({ title: 'DF', rate: '29.97', dropFrame: true, events });
    expect(semicolons).toContain('FCM: DROP FRAME\n');
    expect(semicolons).toContain('001  A        V     C        00:00:00;00 00:01:00;02 01:00:00;00 01:01:00;02');
    expect(semicolons).toContain('002  B        V     C        00:00:59;28 00:02:00;04 01:01:00;02 01:02:00;06');
    const [colons] = writeEdl({ title: 'DF', rate: '29.97', dropFrame: true, separator: ':', events });
    expect(colons).toContain('002  B        V     C        00:00:59:28 00:02:00:04 01:01:00:02 01:02:00:06');
    const back = readEdl({ text: colons!, rate: '29.97' });
    expect(back.events.map((e) => e.recordOut.frames)).toEqual([107_892 + 1800, 107_892 + 1800 + 1802]);
  });

  it('counts drop frame exactly at 59.94', () => {
    const [list] = writeEdl({ title: 'DF', rate: '59.94', dropFrame: true, events: [shot('A', 0, 3600), shot('B', 0, 35_964 - 3600)] });
    expect(list).toContain('001  A        V     C        00:00:00;00 00:01:00;04 01:00:00;00 01:01:00;04');
    expect(list).toContain('01:01:00;04 01:10:00;00');
  });

  it('writes the non-drop count at 29.97 when asked to', () => {
    const [list] = writeEdl({ title: 'NDF', rate: '29.97', dropFrame: false, events: [shot('A', 0, 1800)] });
    expect(list).toContain('FCM: NON-DROP FRAME');
    expect(list).toContain('00:00:00:00 00:01:00:00 01:00:00:00 01:01:00:00');
  });
});

describe('reel names', () => {
  it('derives up to 8 characters and tells colliding clips apart, keeping the shot number', () => {
    const reels = assignReelNames({
      events: [
        { clipName: 'SHOT010', sourceFile: 'a.mp4' },
        { clipName: 'Shot010', sourceFile: 'b.mp4' },
        { clipName: 'shot010.mov', sourceFile: 'c.mov' },
        { clipName: 'SHOT010', sourceFile: 'a.mp4' },
        { clipName: 'Shot 010', sourceFile: 'd.mp4' },
        { clipName: 'shot-010', sourceFile: 'e.mp4' },
        { clipName: 'A very long clip name 0040', sourceFile: 'f.mp4' },
        { clipName: 'bl', sourceFile: 'g.mp4' },
        { clipName: '***', sourceFile: 'h.mp4' },
      ],
    });
    expect(reels).toEqual(['SHOT010', 'SH010_01', 'SH010_02', 'SHOT010', 'SHOT_010', 'SH010_03', 'A_VE0040', 'BL_01', 'CLIP']);
  });

  it('keeps given reels and does not hand them out again', () => {
    const reels = assignReelNames({
      events: [
        { clipName: 'SHOT010', sourceFile: 'a.mp4' },
        { reel: 'SH010_01', clipName: 'other', sourceFile: 'x.mp4' },
        { clipName: 'Shot010', sourceFile: 'b.mp4' },
      ],
    });
    expect(reels).toEqual(['SHOT010', 'SH010_01', 'SH010_02']);
    expect(() => assignReelNames({ events: [{ reel: 'TOO_LONG_1', clipName: 'x', sourceFile: 'x' }] })).toThrow(EdlWriteError);
  });

  it('stays unique and valid over many collisions, in the written list too', () => {
    const events = Array.from({ length: 150 }, (_, i) => shot('Shot 010', 0, 24, { sourceFile: `takes/${i}.mp4` }));
    const reels = assignReelNames({ events });
    expect(new Set(reels).size).toBe(150);
    for (const reel of reels) expect(reel).toMatch(/^[A-Z0-9_]{1,8}$/);
    expect(reels.slice(0, 3)).toEqual(['SHOT_010', 'SH010_01', 'SH010_02']);
    expect(reels[100]).toBe('S010_100');
    const [list] = writeEdl({ title: 'Many', rate: '24', dropFrame: false, events });
    const read = readEdl({ text: list!, rate: '24' });
    expect(new Set(read.events.map((e) => e.reel)).size).toBe(150);
  });
});

describe('dissolves', () => {
  it('writes the outgoing zero-length cut and the D line with one event number, overlapping the clips', () => {
    const [list] = writeEdl({
      title: 'Dissolve',
      rate: '24',
      dropFrame: false,
      events: [shot('SHOT010', 0, 96), shot('SHOT020', 24, 120, { transition: { type: 'dissolve', frames: 24 } }), shot('SHOT030', 0, 48)],
    });
    expect(list!.split('\n').slice(3, 15)).toEqual([
      '001  SHOT010  V     C        00:00:00:00 00:00:03:00 01:00:00:00 01:00:03:00',
      '* FROM CLIP NAME: SHOT010',
      '* SOURCE FILE: shots/shot010/take_1.mp4',
      '002  SHOT010  V     C        00:00:03:00 00:00:03:00 01:00:03:00 01:00:03:00',
      '002  SHOT020  V     D    024 00:00:01:00 00:00:05:00 01:00:03:00 01:00:07:00',
      '* FROM CLIP NAME: SHOT010',
      '* TO CLIP NAME: SHOT020',
      '* SOURCE FILE: shots/shot010/take_1.mp4',
      '* TO SOURCE FILE: shots/shot020/take_1.mp4',
      '003  SHOT030  V     C        00:00:00:00 00:00:02:00 01:00:07:00 01:00:09:00',
      '* FROM CLIP NAME: SHOT030',
      '* SOURCE FILE: shots/shot030/take_1.mp4',
    ]);
  });

  it('reads back as the reader models a dissolve, consistent and in record order', () => {
    const [list] = writeEdl({
      title: 'Chain',
      rate: '25',
      dropFrame: false,
      events: [
        shot('A', 0, 100),
        shot('B', 0, 100, { transition: { type: 'dissolve', frames: 20 } }),
        shot('C', 10, 60, { transition: { type: 'dissolve', frames: 30 } }),
      ],
    });
    const read = readEdl({ text: list!, strict: true });
    expect(read.rate).toBe('25');
    expect(read.events.map((e) => [e.number, e.reel, e.transition.type, e.transition.duration ?? 0, e.fromReel ?? null, e.clipName, e.sourceFile])).toEqual([
      [1, 'A', 'C', 0, null, 'A', 'shots/a/take_1.mp4'],
      [2, 'A', 'C', 0, null, 'A', 'shots/a/take_1.mp4'],
      [2, 'B', 'D', 20, 'A', 'B', 'shots/b/take_1.mp4'],
      [3, 'B', 'C', 0, null, 'B', 'shots/b/take_1.mp4'],
      [3, 'C', 'D', 30, 'B', 'C', 'shots/c/take_1.mp4'],
    ]);
    // A shows 80 frames, B 100 - 30, C 50: the timeline is 200 frames, 50 less than the clips.
    expect(read.events.map((e) => e.recordOut.frames - 90_000)).toEqual([80, 80, 150, 150, 200]);
    expect(() => checkRecordOrder(read)).not.toThrow();
  });

  it('refuses dissolves that cannot be written', () => {
    const write = (events: WriteEdlEvent[]) => () => writeEdl({ title: 'X', rate: '24', dropFrame: false, events });
    expect(write([shot('A', 0, 48, { transition: { type: 'dissolve', frames: 12 } })])).toThrow(
      /^event 001 \(A\): a dissolve needs an earlier event on exactly the same channels/,
    );
    expect(write([shot('A', 0, 48), shot('B', 0, 48, { channels: 'A', transition: { type: 'dissolve', frames: 12 } })])).toThrow(EdlWriteError);
    expect(write([shot('A', 0, 2000), shot('B', 0, 2000, { transition: { type: 'dissolve', frames: 1000 } })])).toThrow(/1 to 999/);
    expect(write([shot('A', 0, 10), shot('B', 0, 48, { transition: { type: 'dissolve', frames: 10 } })])).toThrow(
      /^event 002 \(B\): dissolve of 10 frames is longer than the outgoing clip A can give \(9 frames\)/,
    );
    expect(write([shot('A', 0, 48), shot('B', 0, 5, { transition: { type: 'dissolve', frames: 10 } })])).toThrow(/longer than the incoming clip/);
    expect(
      write([
        shot('A', 0, 48),
        shot('B', 0, 20, { transition: { type: 'dissolve', frames: 12 } }),
        shot('C', 0, 48, { transition: { type: 'dissolve', frames: 12 } }),
      ]),
    ).toThrow(expect.objectContaining({ code: 'EDL_WRITE', index: 2, eventNumber: 3 }));
  });
});

describe('audio', () => {
  it('writes audio channels as their own events, each track continuous from the record start', () => {
    const [list] = writeEdl({
      title: 'Audio',
      rate: '24',
      dropFrame: false,
      events: [
        shot('A', 0, 48),
        shot('B', 0, 48),
        { clipName: 'Dialog', sourceFile: 'audio/dialog.wav', channels: 'A', sourceIn: 0, sourceOut: 72 },
        { clipName: 'Dialog', sourceFile: 'audio/dialog.wav', channels: 'A2', sourceIn: 0, sourceOut: 72 },
        { clipName: 'Room tone', sourceFile: 'audio/room.wav', channels: 'A', sourceIn: 0, sourceOut: 24 },
        { clipName: 'Stereo FX', sourceFile: 'audio/fx.wav', channels: 'AA', sourceIn: 0, sourceOut: 24 },
      ],
    });
    const read = readEdl({ text: list!, rate: '24', strict: true });
    expect(read.events.map((e) => [e.channels, e.reel, e.recordIn.timecode, e.recordOut.timecode])).toEqual([
      ['V', 'A', '01:00:00:00', '01:00:02:00'],
      ['A', 'DIALOG', '01:00:00:00', '01:00:03:00'],
      ['A2', 'DIALOG', '01:00:00:00', '01:00:03:00'],
      ['V', 'B', '01:00:02:00', '01:00:04:00'],
      ['A', 'ROOM_TON', '01:00:03:00', '01:00:04:00'],
      // AA needs A1 and A2; both are free from 01:00:04:00.
      ['AA', 'STEREO_F', '01:00:04:00', '01:00:05:00'],
    ]);
    expect(() => checkRecordOrder(read)).not.toThrow();
  });
});

describe('long lists', () => {
  it('splits 1,500 events into 2 lists of 999 and 501, numbered from 001, titled and with an FCM each', () => {
    const events = Array.from({ length: 1500 }, (_, i) => shot(`S${i}`, 0, 24));
    const files = writeEdl({ title: 'Long', rate: '24', dropFrame: false, events });
    expect(files).toHaveLength(2);
    const [first, second] = files.map((text) => readEdl({ text, rate: '24', strict: true })) as [EdlList, EdlList];
    expect(first.title).toBe('Long (1 of 2)');
    expect(second.title).toBe('Long (2 of 2)');
    expect(files[0]!.split('\n').slice(0, 3)).toEqual(['TITLE: Long (1 of 2)', 'FCM: NON-DROP FRAME', '']);
    expect(files[1]!.split('\n').slice(0, 3)).toEqual(['TITLE: Long (2 of 2)', 'FCM: NON-DROP FRAME', '']);
    expect(first.events.map((e) => e.number)).toEqual(Array.from({ length: 999 }, (_, i) => i + 1));
    expect(second.events.map((e) => e.number)).toEqual(Array.from({ length: 501 }, (_, i) => i + 1));
    expect(files[1]).toMatch(/\n001  S999 /);
    // Record time continues into the second list.
    expect(first.events.at(-1)!.recordOut.timecode).toBe('01:16:39:00');
    expect(second.events[0]!.recordIn.timecode).toBe('01:16:39:00');
    expect(second.events.at(-1)!.recordOut.timecode).toBe('01:25:00:00');
  });

  it('counts a dissolve pair as one event number when splitting', () => {
    const events = Array.from({ length: 1000 }, (_, i) => shot(`S${i}`, 0, 48, i > 0 ? { transition: { type: 'dissolve', frames: 6 } } : {}));
    const files = writeEdl({ title: 'Pairs', rate: '24', dropFrame: false, events });
    expect(files.map((text) => readEdl({ text, rate: '24' }).events.length)).toEqual([1 + 2 * 998, 2]);
  });
});

describe('input checks', () => {
  const write = (args: Partial<Parameters<typeof writeEdl>[0]>) => () =>
    writeEdl({ title: 'X', rate: '24', dropFrame: false, events: [shot('A', 0, 24)], ...args });

  it('refuses what CMX3600 cannot hold', () => {
    expect(write({ rate: '25', dropFrame: true })).toThrow(/drop frame exists only at 29.97 and 59.94/);
    expect(write({ rate: '12' as FrameRate })).toThrow(EdlWriteError);
    expect(write({ title: 'two\nlines' })).toThrow(/one line/);
    expect(write({ events: [shot('A', 0, 24, { channels: 'NONE' })] })).toThrow(/not a channel code/);
    expect(write({ events: [shot('A', 24, 24)] })).toThrow(expect.objectContaining({ code: 'EDL_WRITE', index: 0 }));
    expect(write({ events: [shot('A', 0, 24), shot('B', -1, 24)] })).toThrow(expect.objectContaining({ index: 1 }));
    expect(write({ recordStart: '23:59:59:00', events: [shot('A', 0, 48)] })).toThrow(/outside the 24-hour clock/);
    expect(write({ recordStart: '01:00:00:30' })).toThrow(/recordStart/);
  });

  it('keeps comments on one line', () => {
    const [list] = writeEdl({ title: 'X', rate: '24', dropFrame: false, events: [shot('A', 0, 24, { clipName: 'two\nlines' })] });
    expect(list).toContain('* FROM CLIP NAME: two lines\n');
  });
});

/** Writer input recovered from a read list: the zero-length outgoing cuts are the writer's own. */
function inputsFromList(events: readonly EdlEvent[]): WriteEdlEvent[] {
  const inputs: WriteEdlEvent[] = [];
  const lastOnChannels = new Map<string, WriteEdlEvent>();
  events.forEach((event, i) => {
    const next = events[i + 1];
    if (event.transition.type === 'C' && next && next.number === event.number && next.transition.type === 'D') return;
    const input: WriteEdlEvent = {
      reel: event.reel,
      clipName: event.clipName!,
      sourceFile: event.sourceFile!,
      channels: event.channels,
      sourceIn: event.sourceIn.frames,
      sourceOut: event.sourceOut.frames,
      ...(event.transition.type === 'D' ? { transition: { type: 'dissolve' as const, frames: event.transition.duration! } } : {}),
    };
    // The outgoing clip plays on under the dissolve: its written out point was moved back.
    if (event.transition.type === 'D') lastOnChannels.get(event.channels)!.sourceOut += event.transition.duration!;
    lastOnChannels.set(event.channels, input);
    inputs.push(input);
  });
  return inputs;
}

function sequence(): WriteEdlEvent[] {
  const events: WriteEdlEvent[] = [];
  for (let i = 0; i < 80; i += 1) {
    const name = `SC${String(1 + (i % 7)).padStart(2, '0')} shot ${String(i * 10).padStart(4, '0')}`;
    events.push({
      clipName: name,
      sourceFile: `generated/${i % 13}/${name}.mp4`,
      channels: 'V',
      sourceIn: i % 5,
      sourceOut: 40 + (i % 5) + ((i * 37) % 200),
      ...(i % 4 === 1 ? { transition: { type: 'dissolve' as const, frames: 6 + (i % 3) * 6 } } : {}),
    });
    if (i % 9 === 0) events.push({ clipName: `Dialog ${i}`, sourceFile: `audio/dialog_${i}.wav`, channels: 'A', sourceIn: 0, sourceOut: 300 });
    if (i % 9 === 0) events.push({ clipName: `Dialog ${i}`, sourceFile: `audio/dialog_${i}.wav`, channels: 'A2', sourceIn: 0, sourceOut: 300 });
  }
  return events;
}

describe('round trip', () => {
  it.each<[FrameRate, boolean, ':' | ';' | undefined]>([
    ['23.976', false, undefined],
    ['25', false, undefined],
    ['29.97', true, undefined],
    ['29.97', true, ':'],
    ['59.94', true, undefined],
    ['60', false, undefined],
  ])('%s dropFrame=%s separator=%s: what the writer writes reads back to the same events', (rate, dropFrame, separator) => {
    const input = sequence();
    const args = { title: 'Round trip', rate, dropFrame, ...(separator ? { separator } : {}) };
    const [text, ...rest] = writeEdl({ ...args, events: input });
    expect(rest).toEqual([]);
    const list = readEdl({ text: text!, rate, strict: true });
    expect(list.problems).toEqual([]);
    expect(list.warnings).toEqual([]);
    expect(list.fcm).toBe(dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME');
    expect(() => checkRecordOrder(list)).not.toThrow();
    if (dropFrame) expect(list.events.every((e) => e.recordIn.timecode.includes(separator ?? ';'))).toBe(true);

    // Each lane, in record order, holds the input's clips in input order with their full ranges.
    const recovered = inputsFromList(list.events);
    const reels = assignReelNames({ events: input });
    for (const channels of ['V', 'A', 'A2']) {
      const expected = input.map((e, i) => ({ ...e, reel: reels[i] })).filter((e) => e.channels === channels);
      expect(recovered.filter((e) => e.channels === channels)).toEqual(expected);
    }

    // Written again from what was read, the list is the same text.
    expect(writeEdl({ ...args, events: recovered })).toEqual([text]);
  });

  it('infers the rate back from a written 25 fps list', () => {
    const [text] = writeEdl({ title: 'R', rate: '25', dropFrame: false, events: sequence() });
    expect(readEdl({ text: text! }).rate).toBe('25');
  });
});
