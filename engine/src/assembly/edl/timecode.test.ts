import { describe, expect, it } from 'vitest';
import { TimecodeError } from './errors.ts';
import { FRAME_RATES, framesPerDay, framesToTimecode, supportsDropFrame, timebase, timecodeToFrames, type FrameRate } from './timecode.ts';

describe('rates', () => {
  it('knows the eight rates and counts 23.976, 29.97 and 59.94 at their nominal timebase', () => {
    expect([...FRAME_RATES]).toEqual(['23.976', '24', '25', '29.97', '30', '50', '59.94', '60']);
    expect(FRAME_RATES.map(timebase)).toEqual([24, 24, 25, 30, 30, 50, 60, 60]);
    expect(FRAME_RATES.filter(supportsDropFrame)).toEqual(['29.97', '59.94']);
  });

  it('has 24 hours of frames per rate', () => {
    expect(framesPerDay({ rate: '24', dropFrame: false })).toBe(24 * 86_400);
    expect(framesPerDay({ rate: '23.976', dropFrame: false })).toBe(24 * 86_400);
    expect(framesPerDay({ rate: '29.97', dropFrame: false })).toBe(30 * 86_400);
    // 17,982 frames per ten minutes (18,000 less 9 minutes x 2 dropped numbers).
    expect(framesPerDay({ rate: '29.97', dropFrame: true })).toBe(144 * 17_982);
    expect(framesPerDay({ rate: '59.94', dropFrame: true })).toBe(144 * 35_964);
  });
});

describe('non-drop-frame timecode', () => {
  it.each<[FrameRate, string, number]>([
    ['24', '01:00:00:00', 86_400],
    ['23.976', '01:00:00:00', 86_400],
    ['25', '01:00:00:00', 90_000],
    ['25', '00:00:19:21', 19 * 25 + 21],
    ['30', '00:01:00:00', 1800],
    ['29.97', '00:01:00:00', 1800],
    ['50', '00:00:01:49', 99],
    ['60', '10:00:00:59', 36_000 * 60 + 59],
    ['24', '23:59:59:23', 24 * 86_400 - 1],
  ])('at %s, %s is frame %i and back', (rate, timecode, frames) => {
    expect(timecodeToFrames({ timecode, rate, dropFrame: false })).toBe(frames);
    expect(framesToTimecode({ frames, rate, dropFrame: false })).toBe(timecode);
  });

  it('refuses frame numbers the rate does not have, and fields out of range', () => {
    expect(() => timecodeToFrames({ timecode: '00:00:00:24', rate: '24', dropFrame: false })).toThrow(TimecodeError);
    expect(() => timecodeToFrames({ timecode: '00:00:00:25', rate: '25', dropFrame: false })).toThrow(/out of range at 25 fps/);
    expect(() => timecodeToFrames({ timecode: '24:00:00:00', rate: '25', dropFrame: false })).toThrow(TimecodeError);
    expect(() => timecodeToFrames({ timecode: '00:60:00:00', rate: '25', dropFrame: false })).toThrow(TimecodeError);
    expect(() => timecodeToFrames({ timecode: '1:00:00:00', rate: '25', dropFrame: false })).toThrow(/not a HH:MM:SS:FF/);
  });

  it('refuses frame counts outside the 24-hour clock', () => {
    expect(() => framesToTimecode({ frames: -1, rate: '24', dropFrame: false })).toThrow(TimecodeError);
    expect(() => framesToTimecode({ frames: 24 * 86_400, rate: '24', dropFrame: false })).toThrow(/outside the 24-hour clock/);
    expect(() => framesToTimecode({ frames: 1.5, rate: '24', dropFrame: false })).toThrow(TimecodeError);
  });

  it('has the stable error code', () => {
    try {
      timecodeToFrames({ timecode: '00:00:00:30', rate: '30', dropFrame: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TimecodeError);
      expect((error as TimecodeError).code).toBe('EDL_TIMECODE');
    }
  });
});

describe('drop-frame timecode', () => {
  it.each<[FrameRate, string, number]>([
    ['29.97', '00:00:59;29', 1799],
    ['29.97', '00:01:00;02', 1800],
    ['29.97', '00:01:59;29', 3597],
    ['29.97', '00:02:00;02', 3598],
    ['29.97', '00:09:59;29', 17_981],
    ['29.97', '00:10:00;00', 17_982],
    ['29.97', '00:10:00;01', 17_983],
    ['29.97', '00:11:00;02', 17_982 + 1800],
    ['29.97', '01:00:00;00', 107_892],
    ['29.97', '23:59:59;29', 144 * 17_982 - 1],
    ['59.94', '00:00:59;59', 3599],
    ['59.94', '00:01:00;04', 3600],
    ['59.94', '00:10:00;00', 35_964],
    ['59.94', '01:00:00;00', 215_784],
    ['59.94', '23:59:59;59', 144 * 35_964 - 1],
  ])('at %s, %s is frame %i and back', (rate, timecode, frames) => {
    expect(timecodeToFrames({ timecode, rate, dropFrame: true })).toBe(frames);
    expect(framesToTimecode({ frames, rate, dropFrame: true })).toBe(timecode);
  });

  it('refuses the frame numbers drop frame skips, except at every tenth minute', () => {
    for (const timecode of ['00:01:00;00', '00:01:00;01', '01:59:00;01', '23:09:00;00']) {
      expect(() => timecodeToFrames({ timecode, rate: '29.97', dropFrame: true }), timecode).toThrow(/does not exist in drop-frame/);
    }
    for (const timecode of ['00:01:00;03', '00:01:00;00']) {
      expect(() => timecodeToFrames({ timecode, rate: '59.94', dropFrame: true }), timecode).toThrow(TimecodeError);
    }
    expect(timecodeToFrames({ timecode: '00:20:00;00', rate: '29.97', dropFrame: true })).toBe(2 * 17_982);
    expect(timecodeToFrames({ timecode: '00:20:00;01', rate: '59.94', dropFrame: true })).toBe(2 * 35_964 + 1);
  });

  it('exists only at 29.97 and 59.94', () => {
    expect(() => timecodeToFrames({ timecode: '00:00:00;00', rate: '25', dropFrame: true })).toThrow(/only at 29.97 and 59.94/);
    expect(() => framesToTimecode({ frames: 0, rate: '30', dropFrame: true })).toThrow(TimecodeError);
  });

  it("writes ';' before the frames by default and ':' when asked (Avid)", () => {
    expect(framesToTimecode({ frames: 1800, rate: '29.97', dropFrame: true })).toBe('00:01:00;02');
    expect(framesToTimecode({ frames: 1800, rate: '29.97', dropFrame: true, separator: ':' })).toBe('00:01:00:02');
    expect(framesToTimecode({ frames: 1800, rate: '29.97', dropFrame: false })).toBe('00:01:00:00');
  });

  it("reads ';' as drop frame when dropFrame is not given, and ':' as non-drop", () => {
    expect(timecodeToFrames({ timecode: '00:01:00;02', rate: '29.97' })).toBe(1800);
    expect(timecodeToFrames({ timecode: '00:01:00:02', rate: '29.97' })).toBe(1802);
    expect(timecodeToFrames({ timecode: '00:01:00:02', rate: '29.97', dropFrame: true })).toBe(1800);
  });

  it('at every minute boundary of the day, skips exactly the dropped numbers', () => {
    for (const [rate, dropped] of [
      ['29.97', 2],
      ['59.94', 4],
    ] as const) {
      const tb = timebase(rate);
      for (let minute = 1; minute < 24 * 60; minute += 1) {
        const hh = String(Math.floor(minute / 60)).padStart(2, '0');
        const mm = String(minute % 60).padStart(2, '0');
        const firstNumber = minute % 10 === 0 ? 0 : dropped;
        const first = timecodeToFrames({ timecode: `${hh}:${mm}:00;${String(firstNumber).padStart(2, '0')}`, rate, dropFrame: true });
        const before = framesToTimecode({ frames: first - 1, rate, dropFrame: true });
        expect(before.endsWith(`:59;${tb - 1}`), `${rate} before minute ${minute}: ${before}`).toBe(true);
        expect(framesToTimecode({ frames: first, rate, dropFrame: true })).toBe(`${hh}:${mm}:00;${String(firstNumber).padStart(2, '0')}`);
      }
    }
  });
});

describe('round trip over 24 hours', () => {
  const cases = FRAME_RATES.flatMap((rate) => [{ rate, dropFrame: false }, ...(supportsDropFrame(rate) ? [{ rate, dropFrame: true }] : [])]);

  it.each(cases)('$rate dropFrame=$dropFrame: frames -> timecode -> frames is exact, and timecodes increase', ({ rate, dropFrame }) => {
    const day = framesPerDay({ rate, dropFrame });
    const tb = timebase(rate);
    const values = new Set<number>([0, 1, day - 2, day - 1]);
    for (let f = 0; f < day; f += 997) values.add(f);
    // Every frame around each minute boundary, where drop frame skips numbers.
    for (let minute = 0; minute < 24 * 60; minute += 1) {
      const dropped = dropFrame ? (tb / 30) * 2 * (minute - Math.floor(minute / 10)) : 0;
      const boundary = minute * 60 * tb - dropped;
      for (let d = -6; d <= 6; d += 1) if (boundary + d >= 0 && boundary + d < day) values.add(boundary + d);
    }
    let checked = 0;
    for (const frames of values) {
      const timecode = framesToTimecode({ frames, rate, dropFrame });
      expect(timecodeToFrames({ timecode, rate, dropFrame })).toBe(frames);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(17_000);
  });

  it('29.97 DF is exact for every frame of the first twenty minutes, in order', () => {
    let previous = '';
    for (let frames = 0; frames < 2 * 17_982; frames += 1) {
      const timecode = framesToTimecode({ frames, rate: '29.97', dropFrame: true });
      if (timecodeToFrames({ timecode, rate: '29.97', dropFrame: true }) !== frames) expect.fail(`${frames} -> ${timecode}`);
      if (!(timecode > previous)) expect.fail(`${timecode} does not follow ${previous}`);
      previous = timecode;
    }
    expect(previous).toBe('00:19:59;29');
  });
});
