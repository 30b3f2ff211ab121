import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCI } from '../../testing/ci.ts';
import { channelTracks } from './channels.ts';
import { checkRecordOrder } from './check-record-order.ts';
import { EdlParseError, EdlRecordOrderError } from './errors.ts';
import { EDL_FIXTURE_DIR, missingEdlFixtures } from './fixture-corpus.ts';
import { readEdl } from './read-edl.ts';
import type { EdlEvent, EdlList } from './types.ts';

const FIXTURES = EDL_FIXTURE_DIR;
/** Outside CI a checkout without the corpus skips the tests that read it, and says why; in CI they fail. */
const missing = missingEdlFixtures();
const skipCorpus = missing !== null && !isCI();
const needsCorpus = (title: string) => (skipCorpus ? `${title} — SKIPPED: ${missing}` : title);

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

function read(name: string): EdlList {
  return readEdl({ bytes: fixture(name) });
}

const byNumber = (list: EdlList, number: number): EdlEvent[] => list.events.filter((e) => e.number === number);

/**
 * Per fixture: event lines (a dissolve's zero-length cut and its D line both count, as in
 * SOURCES.md: black_slug_avid2 has 608 with 7 dissolves), distinct event numbers, the rate the
 * reader infers, how many problems it reports, and the event checkRecordOrder refuses (null: none).
 */
const EXPECTED: Record<string, { events: number; numbers: number; rate: string; problems: number; recordOrder: number | null }> = {
  '070816_EG101_HEISTS_ROUGH_CUT_SOURCES_PART 1.edl': { events: 590, numbers: 537, rate: '29.97', problems: 197, recordOrder: 7 },
  '12_16 TL01 MUSIC.edl': { events: 588, numbers: 588, rate: '29.97', problems: 0, recordOrder: null },
  '25fps.edl': { events: 4, numbers: 4, rate: '25', problems: 0, recordOrder: null },
  'FINALSCHECK_EDL_TEST_140318.edl': { events: 245, numbers: 245, rate: '24', problems: 0, recordOrder: null },
  'ISSUE_14_conform_edl_issue_01.edl': { events: 3, numbers: 3, rate: '24', problems: 0, recordOrder: null },
  'ISSUE_19_unusual01.edl': { events: 38, numbers: 38, rate: '24', problems: 0, recordOrder: null },
  'TEST.edl': { events: 148, numbers: 120, rate: '24', problems: 0, recordOrder: null },
  'adobe_dai109_test.txt': { events: 3727, numbers: 2839, rate: '24', problems: 126, recordOrder: 4 },
  'black_slug_avid2.edl': { events: 608, numbers: 601, rate: '24', problems: 0, recordOrder: null },
  'black_slug_fcp.edl': { events: 520, numbers: 484, rate: '24', problems: 2, recordOrder: 3 },
  'cdl.edl': { events: 2, numbers: 2, rate: '24', problems: 0, recordOrder: null },
  'cdl_example01.edl': { events: 39, numbers: 39, rate: '24', problems: 0, recordOrder: null },
  'cmx3600.edl': { events: 9, numbers: 9, rate: '29.97', problems: 0, recordOrder: 8 },
  'cmx3600_5994.edl': { events: 9, numbers: 9, rate: '59.94', problems: 0, recordOrder: 8 },
  'dissolve_test_3.edl': { events: 4, numbers: 3, rate: '24', problems: 0, recordOrder: null },
  'dissolve_test_4.edl': { events: 8, numbers: 6, rate: '24', problems: 0, recordOrder: null },
  'file32.edl': { events: 9, numbers: 9, rate: '29.97', problems: 0, recordOrder: 8 },
  'multi_audio.edl': { events: 1, numbers: 1, rate: '24', problems: 0, recordOrder: null },
  'raphe_temp1_rfe_R01_v01_TRANSITIONS.edl': { events: 7, numbers: 4, rate: '24', problems: 0, recordOrder: null },
  'screening_example.edl': { events: 9, numbers: 9, rate: '24', problems: 0, recordOrder: null },
  'speed_effects_small.edl': { events: 5, numbers: 5, rate: '24', problems: 0, recordOrder: null },
  'test_25.edl': { events: 13, numbers: 11, rate: '25', problems: 0, recordOrder: null },
  'timecode_mismatch.edl': { events: 20, numbers: 20, rate: '25', problems: 4, recordOrder: null },
  'wipe_test.edl': { events: 4, numbers: 3, rate: '24', problems: 0, recordOrder: null },
};

describe.skipIf(skipCorpus)(needsCorpus('the fixture lists'), () => {
  it('resolve to shared/fixtures/edl beside the checkout and are the 24 lists SOURCES.md describes', () => {
    expect(fileURLToPath(FIXTURES)).toMatch(/\/shared\/fixtures\/edl\/$/);
    const names = readdirSync(FIXTURES)
      .filter((name) => name !== 'SOURCES.md')
      .sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    expect(names).toHaveLength(24);
  });

  it.each(Object.entries(EXPECTED))('%s reads with its expected counts', (name, expected) => {
    const list = read(name);
    expect(list.events).toHaveLength(expected.events);
    expect(new Set(list.events.map((e) => e.number)).size).toBe(expected.numbers);
    expect(list.rate).toBe(expected.rate);
    expect(list.rateInferred).toBe(true);
    expect(list.problems).toHaveLength(expected.problems);
    for (const event of list.events) {
      expect(event.line).toBeGreaterThan(0);
      // Premiere writes reverse motion (negative M2) with the source out before the in.
      if ((event.speed?.fps ?? 0) >= 0) expect(event.sourceOut.frames).toBeGreaterThanOrEqual(event.sourceIn.frames);
    }
    if (expected.recordOrder === null) {
      expect(() => checkRecordOrder(list)).not.toThrow();
    } else {
      expect(() => checkRecordOrder(list)).toThrow(expect.objectContaining({ code: 'EDL_RECORD_ORDER', eventNumber: expected.recordOrder }));
    }
  });

  it('give the same events when a rate is stated instead of inferred', () => {
    const inferred = read('25fps.edl');
    const stated = readEdl({ bytes: fixture('25fps.edl'), rate: '25' });
    expect(stated.rateInferred).toBe(false);
    expect(stated.events).toEqual(inferred.events);
  });
});

describe.skipIf(skipCorpus)(needsCorpus('timecode_mismatch.edl'), () => {
  it('reports the line and what is wrong: source and record durations disagree on a cut', () => {
    const list = read('timecode_mismatch.edl');
    const [first] = list.problems;
    expect(first).toBeInstanceOf(EdlParseError);
    expect(first!.code).toBe('EDL_PARSE');
    expect(first!.reason).toBe('DURATION_MISMATCH');
    expect(first!.line).toBe(13);
    expect(first!.message).toBe(
      'line 13: event 4: source duration 49 frames (01:00:00:00 to 01:00:01:24) differs from record duration 47 frames (00:00:17:22 to 00:00:19:19) on a cut without an M2 speed change',
    );
    expect(list.problems.map((p) => [p.line, p.data.eventNumber])).toEqual([
      [13, 4],
      [16, 5],
      [28, 9],
      [31, 10],
    ]);
  });

  it('throws that error when strict', () => {
    expect(() => readEdl({ bytes: fixture('timecode_mismatch.edl'), strict: true })).toThrow(
      expect.objectContaining({
        code: 'EDL_PARSE',
        line: 13,
        reason: 'DURATION_MISMATCH',
        message: expect.stringMatching(/^line 13: event 4: source duration 49 frames/),
      }),
    );
  });

  it('keeps record times in order (the break after event 4 is a 2-frame gap, not an overlap)', () => {
    const list = read('timecode_mismatch.edl');
    expect(list.events[4]!.recordIn.frames - list.events[3]!.recordOut.frames).toBe(2);
    expect(() => checkRecordOrder(list)).not.toThrow();
  });

  it('is consistent in its sibling 25fps.edl, which strict mode accepts', () => {
    expect(readEdl({ bytes: fixture('25fps.edl'), strict: true }).problems).toEqual([]);
  });
});

describe.skipIf(skipCorpus)(needsCorpus('what the fixtures exercise'), () => {
  it('25fps.edl: 25 fps from the frame numbers, a dotted reel, bare comments', () => {
    const list = read('25fps.edl');
    expect(list.title).toBe('SQ0002_A2');
    expect(list.fcm).toBe('NON-DROP FRAME');
    const last = list.events[3]!;
    expect(last).toMatchObject({ number: 4, reel: 'SC00.JPG', channels: 'V', transition: { type: 'C' }, clipName: 'sq001_s004', line: 13 });
    expect(last.sourceOut).toEqual({ timecode: '01:00:01:24', frames: 3600 * 25 + 49 });
    expect(last.recordOut).toEqual({ timecode: '00:00:19:21', frames: 19 * 25 + 21 });
    expect(last.comments).toEqual(['FROM CLIP NAME:  sq001_s004', 'sq001_s004']);
  });

  it('speed_effects_small.edl: M2 freeze and retime, no FCM', () => {
    const list = read('speed_effects_small.edl');
    expect(list.fcm).toBeNull();
    expect(list.events.every((e) => e.fcm === 'NON-DROP FRAME')).toBe(true);
    expect(list.events.map((e) => e.speed?.fps ?? null)).toEqual([null, 0, 0, null, 47.6]);
    expect(list.events[1]!.speed).toEqual({ reel: 'Z682_156', fps: 0, sourceTimecode: '01:00:10:21', line: 6 });
    expect(list.events[1]!.comments).toContain('* FREEZE FRAME');
    expect(list.events[4]!.clipName).toBe('Z686_5A (LAY2) (47.56 FPS)');
  });

  it('dissolve_test_3.edl: the outgoing zero-length cut and the D 030 event, with an FCM line between', () => {
    const list = read('dissolve_test_3.edl');
    const [cut, dissolve] = byNumber(list, 2);
    expect(cut).toMatchObject({ reel: 'AX', transition: { type: 'C' }, clipName: 'Clip_B.mov', line: 7 });
    expect(cut!.recordIn.frames).toBe(cut!.recordOut.frames);
    expect(dissolve).toMatchObject({
      reel: 'AX',
      transition: { type: 'D', duration: 30 },
      fromReel: 'AX',
      fromClipName: 'Clip_B.mov',
      clipName: 'Clip_C.mov',
      effectName: 'CROSS DISSOLVE',
      line: 9,
    });
    expect(dissolve!.recordIn.timecode).toBe(cut!.recordIn.timecode);
    expect(dissolve!.recordOut.frames - dissolve!.recordIn.frames).toBe(30);
    expect(list.events[3]).toMatchObject({ number: 3, clipName: 'Clip_D.mov', line: 14 });
  });

  it('dissolve_test_4.edl: chained dissolves and an event-number jump', () => {
    const list = read('dissolve_test_4.edl');
    expect(list.events.map((e) => e.number)).toEqual([1, 2, 3, 3, 4, 4, 5, 60]);
    expect(list.events.map((e) => e.transition.duration ?? 0)).toEqual([0, 0, 0, 35, 0, 64, 0, 0]);
    expect(list.events[5]).toMatchObject({ reel: 'ABC0030.', fromReel: 'ABC0030.', comments: ['BLEND, DISSOLVE'] });
    // Each transition starts where the event before it ends.
    expect(list.events[3]!.recordIn.frames).toBe(list.events[1]!.recordOut.frames);
    expect(list.events[5]!.recordIn.frames).toBe(list.events[3]!.recordOut.frames);
  });

  it('wipe_test.edl: W001 with its duration in a wide column, short reel', () => {
    const list = read('wipe_test.edl');
    expect(list.events[2]).toMatchObject({
      reel: 'TST',
      transition: { type: 'W', wipeCode: '001', duration: 10 },
      fromReel: 'TST',
      fromClipName: 'clip_A',
      clipName: 'clip_B',
    });
  });

  it('multi_audio.edl: AA plus an AUD line for channel 3', () => {
    const [event] = read('multi_audio.edl').events;
    expect(event).toMatchObject({ channels: 'AA', audioChannels: [3], clipName: 'AX' });
    expect(channelTracks(event!)).toEqual(['A1', 'A2', 'A3']);
  });

  it('screening_example.edl: locators, source files, blank lines inside events', () => {
    const list = read('screening_example.edl');
    expect(list.events[0]).toMatchObject({ clipName: 'ZZ100_501 (LAY3)', sourceFile: 'ZZ100_501.LAY3.01' });
    expect(list.events[0]!.recordIn.timecode).toBe('00:59:53:11');
    expect(list.events[3]!.locators).toEqual([
      { timecode: '01:00:01:14', color: 'RED', text: 'ANIM FIX NEEDED', line: 17 },
      { timecode: '01:00:02:14', color: 'PINK', text: 'ANIM FIX NEEDED', line: 18 },
    ]);
    expect(list.events[6]!.locators).toEqual([{ timecode: '01:00:15:13', color: 'GREEN', text: '', line: 28 }]);
    expect(list.events[8]).toMatchObject({
      clipName: 'ZZ100_510B (LAY1)',
      sourceFile: 'ZZ100_510B.LAY1.02',
      comments: ['AVX2 EFFECT, RESIZE', 'FROM CLIP NAME:  ZZ100_510B (LAY1)', 'SOURCE FILE: ZZ100_510B.LAY1.02'],
    });
  });

  it('cdl.edl: ASC comments kept, both SOURCE FILE spellings read', () => {
    const list = read('cdl.edl');
    expect(list.events.map((e) => e.sourceFile)).toEqual(['ZZ100_501.LAY3.01', 'ZZ100_501.LAY3.01']);
    expect(list.events[0]!.comments).toContain('ASC_SOP (0.1 0.2 0.3) (1.0 -0.0122 0.0305) (1.0 0.0 1.0)');
    expect(list.events[1]!.comments).toContain('ASC_SAT: 0.9');
  });

  it('cmx3600.edl: drop frame written with colons, M2 speeds, a comment with semicolons', () => {
    const list = read('cmx3600.edl');
    expect(list.fcm).toBe('DROP FRAME');
    expect(list.events[0]!.recordIn.frames).toBe(107_892);
    expect(list.events[0]!.recordOut).toEqual({ timecode: '01:00:06:17', frames: 107_892 + 6 * 30 + 17 });
    expect(list.events[5]).toMatchObject({
      reel: 'AQ100',
      speed: { reel: 'AQ100', fps: 59.6, sourceTimecode: '00:02:18:05' },
      clipName: 'DTB RE EDIT - HD 720P VIDEO SHARING.NEW.01',
      sourceFile: 'DTB RE EDIT - HD 720P VIDEO SHARING',
    });
    expect(list.events[5]!.comments[0]).toBe('TIMEWARP EFFECT AT SEQUENCE TC 01;00;26;10.');
    // Event 8 crosses minute 51 of its source: two frame numbers are skipped in drop frame.
    const eight = list.events[7]!;
    expect(eight.sourceOut.frames - eight.sourceIn.frames).toBe(82);
    expect(eight.recordOut.frames - eight.recordIn.frames).toBe(82);
    expect(() => checkRecordOrder(list)).toThrow(/event 8 \(line 28\): record in 01:00:38:14 overlaps event 7, which runs to 01:00:39:12 on track V/);
  });

  it('cmx3600_5994.edl: 59.94 drop frame', () => {
    const list = read('cmx3600_5994.edl');
    expect(list.events[0]!.recordIn.frames).toBe(215_784);
    expect(list.events[0]!.recordOut.frames).toBe(215_784 + 6 * 60 + 34);
  });

  it('file32.edl: 6-digit numbers, 32-character reels, *FROM CLIP NAME without a space, wide M2', () => {
    const list = read('file32.edl');
    expect(list.events.map((e) => e.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(list.events[2]).toMatchObject({ reel: 'BOONE_SMITH_ON_CAMERA_HOST_-720P', clipName: 'BOONE SMITH ON CAMERA HOST_-720P.NEW.01' });
    expect(list.events[2]!.reel).toHaveLength(32);
    expect(list.events[5]!.speed).toMatchObject({ reel: 'AQ100', fps: 59.6 });
    expect(list.events.map((e) => [e.reel, e.sourceIn.frames])).toEqual(read('cmx3600.edl').events.map((e, i) => [list.events[i]!.reel, e.sourceIn.frames]));
  });

  it('12_16 TL01 MUSIC.edl: audio-only on A7 to A10, drop frame, non-drop music sources accepted', () => {
    const list = read('12_16 TL01 MUSIC.edl');
    expect(new Set(list.events.map((e) => e.channels))).toEqual(new Set(['A7', 'A8', 'A9', 'A10']));
    const e39 = byNumber(list, 39)[0]!;
    expect(e39.sourceOut.frames - e39.sourceIn.frames).toBe(162);
    expect(e39.recordOut.frames - e39.recordIn.frames).toBe(164);
  });

  it('HEISTS: BOM, FCM switching for sources while records stay non-drop, M2 on both sides of a transition', () => {
    const list = read('070816_EG101_HEISTS_ROUGH_CUT_SOURCES_PART 1.edl');
    expect(list.title).toBe('070816_EG101_HEISTS_ROUGH_CUT_SOURCES.sub.01.sub.02');
    expect(list.fcm).toBe('NON-DROP FRAME');
    expect(list.events.filter((e) => e.fcm === 'DROP FRAME')).toHaveLength(99);
    expect(list.events.filter((e) => e.speed).length).toBe(272);
    expect(list.warnings.filter((w) => w.code === 'UNMATCHED_SPEED_LINE')).toEqual([]);
    const [out, into] = byNumber(list, 5);
    expect(out).toMatchObject({ reel: 'QEVL1GRN', fcm: 'DROP FRAME', speed: { reel: 'QEVL1GRN', fps: 37.5 }, clipName: 'QEVL1GRND130.NEW.01' });
    expect(into).toMatchObject({
      reel: 'EVL1_HEI',
      fcm: 'NON-DROP FRAME',
      transition: { type: 'D', duration: 8, typeAssumed: true },
      speed: { fps: 56.7 },
      clipName: 'QEVL1HEIS395.NEW.01',
    });
    expect(list.warnings.filter((w) => w.code === 'TRANSITION_TYPE_ASSUMED')).toHaveLength(53);
    // Wrapped comments stay as separate lines on the event before them.
    expect(list.events[0]!.comments.slice(0, 2)).toEqual([
      'SHUTTERSTOCK_T_QEVL1HEIS845_HEISTS_DINNER SET GANG_REAL SURVEILLANCE CAMERAS CAP',
      'TURED AND RECORDED THE TWO ROBBERS ENTER THE HOUSE_14225156',
    ]);
    // A reel with leading spaces in its column.
    expect(byNumber(list, 10)[0]!.reel).toBe('BL');
  });

  it('test_25.edl: AUD 3 4, a W001 fade to black, reverse M2, REM lines ignored', () => {
    const list = read('test_25.edl');
    expect(list.warnings).toEqual([]);
    expect(byNumber(list, 3)[0]!.audioChannels).toEqual([3, 4]);
    expect(byNumber(list, 7)[1]).toMatchObject({
      reel: 'BL',
      channels: 'AA',
      transition: { type: 'W', wipeCode: '001', duration: 25 },
      fromReel: 'AX',
      effectName: 'Constant Power',
      clipName: 'BL',
    });
    expect(byNumber(list, 10)[0]!.speed).toMatchObject({ fps: -25, reel: 'AX' });
    expect(byNumber(list, 11)[0]!.speed).toMatchObject({ fps: -25 });
  });

  it('ISSUE_19_unusual01.edl: 4-digit numbers, 20-character reels, no FCM', () => {
    const list = read('ISSUE_19_unusual01.edl');
    expect(list.fcm).toBeNull();
    expect(list.events[37]).toMatchObject({ number: 38, reel: 'Z089C010_220122_ROLX' });
  });

  it('ISSUE_14_conform_edl_issue_01.edl: 30-character reels and M2 031.7', () => {
    const list = read('ISSUE_14_conform_edl_issue_01.edl');
    expect(list.events[2]).toMatchObject({ reel: 'B_0088C002_241125_144410_h1C2T', speed: { fps: 31.7 }, clipName: '102C-2-B' });
  });

  it('TEST.edl: many audio channels, PATCH comments, SOURCE FILE of a dissolve belongs to the outgoing clip', () => {
    const list = read('TEST.edl');
    expect(new Set(list.events.map((e) => e.channels))).toEqual(new Set(['A', 'A2', 'A5', 'A7', 'A8', 'A10', 'A11', 'A12']));
    expect(list.events.filter((e) => e.transition.type === 'D')).toHaveLength(28);
    expect(list.warnings).toEqual([]);
    const [out, into] = byNumber(list, 28);
    expect(out).toMatchObject({ clipName: 'TC R1 V6 TEMP2 M DX.WAV', sourceFile: 'TC R1 V6 TEMP2 M DX.WAV' });
    expect(into).toMatchObject({ fromClipName: 'TC R1 V6 TEMP2 M DX.WAV', clipName: 'TC R1 V1.2 TEMP1 DX M.WAV' });
    expect(into!.sourceFile).toBeUndefined();
  });

  it('cdl_example01.edl: *LOC with mixed-case colours', () => {
    const list = read('cdl_example01.edl');
    expect(list.events[0]!.locators).toEqual([{ timecode: '02:13:08:12', color: 'GREEN', text: 'Sc 117 INTERCUT', line: 5 }]);
    expect(list.events[1]!.locators[0]!.color).toBe('WHITE');
  });

  it('adobe_dai109_test.txt: Latin-1 bytes, 999 -> 1000, NONE, AUD, garbage after an FCM, black with no record out', () => {
    const list = read('adobe_dai109_test.txt');
    expect(list.events[1]!.clipName).toBe('\u00c1\u00fa\u00b1\u00ea422.mov');
    expect(list.events.map((e) => e.number).filter((n) => n >= 999 && n <= 1000)).toContain(1000);
    expect(new Set(list.events.map((e) => e.channels))).toEqual(new Set(['A', 'A2', 'NONE']));
    expect(list.events.filter((e) => e.transition.type === 'W')).toHaveLength(888);
    expect(list.warnings).toEqual([expect.objectContaining({ line: 49, code: 'FCM_TRAILING_TEXT' })]);
    expect(list.problems[0]).toMatchObject({ line: 19, reason: 'RECORD_OUT_BEFORE_IN' });
    expect(list.problems.filter((p) => p.reason === 'BAD_SOURCE_TIMECODE')).toEqual([expect.objectContaining({ line: 766 })]);
    expect(byNumber(list, 11)[1]!.audioChannels).toEqual([3]);
    const reversed = list.events.filter((e) => e.sourceOut.frames < e.sourceIn.frames);
    expect(reversed.map((e) => [e.number, e.speed?.fps])).toEqual([
      [1526, -48],
      [1528, -48],
    ]);
  });

  it('black_slug_fcp.edl: NONE transitions, pre-roll before 01:00:00:00', () => {
    const list = read('black_slug_fcp.edl');
    expect(list.events[0]!.recordIn.timecode).toBe('00:59:50:00');
    expect(list.events.filter((e) => e.channels === 'NONE')).toHaveLength(36);
    expect(byNumber(list, 5)[1]).toMatchObject({ channels: 'NONE', transition: { type: 'D', duration: 8 }, clipName: 'MRD-010_01_001_light_v01.mov' });
  });

  it('black_slug_avid2.edl: *REEL long names, (NULL) source files, 90 locators', () => {
    const list = read('black_slug_avid2.edl');
    expect(list.events[0]).toMatchObject({ number: 1, reel: 'NETFLIXIDENT_23976_189AR_4096X21', fullReel: 'NETFLIXIDENT_23976_189AR_4096X2' });
    expect(list.events[2]).toMatchObject({ reel: 'BL' });
    expect(list.events[2]!.sourceFile).toBeUndefined();
    expect(list.events.reduce((n, e) => n + e.locators.length, 0)).toBe(90);
  });

  it('FINALSCHECK_EDL_TEST_140318.edl: CR-only lines and Ctrl-Z padding', () => {
    const list = read('FINALSCHECK_EDL_TEST_140318.edl');
    expect(list.warnings).toEqual([]);
    expect(list.events[244]).toMatchObject({ number: 245, line: 491 });
  });

  it('raphe_temp1_rfe_R01_v01_TRANSITIONS.edl: back-to-back dissolves with repeated FCM lines', () => {
    const list = read('raphe_temp1_rfe_R01_v01_TRANSITIONS.edl');
    expect(list.events.map((e) => e.transition.type).join('')).toBe('CCDCDCD');
    expect(list.events.filter((e) => e.fromReel === 'AX')).toHaveLength(3);
    expect(list.events[2]!.sourceIn.timecode).toBe('00:59:59:09');
  });
});

describe('encodings and line ends', () => {
  const body = [
    'TITLE: Ends',
    'FCM: NON-DROP FRAME',
    '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00',
    '* FROM CLIP NAME: Caf\u00e9',
  ];

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads %s line ends with the same line numbers', (_name, eol) => {
    const list = readEdl({ text: body.join(eol) + eol, rate: '24' });
    expect(list.events).toHaveLength(1);
    expect(list.events[0]).toMatchObject({ line: 3, clipName: 'Caf\u00e9' });
  });

  it('strips a UTF-8 BOM from bytes and from text', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body.join('\n'), 'utf8')]);
    expect(readEdl({ bytes, rate: '24' }).title).toBe('Ends');
    expect(readEdl({ text: '\ufeff' + body.join('\n'), rate: '24' }).title).toBe('Ends');
  });

  it('decodes UTF-8, and Latin-1 when the bytes are not UTF-8', () => {
    expect(readEdl({ bytes: Buffer.from(body.join('\n'), 'utf8'), rate: '24' }).events[0]!.clipName).toBe('Caf\u00e9');
    const latin1 = Buffer.from(body.join('\n'), 'latin1');
    expect(latin1.includes(0xe9)).toBe(true);
    expect(readEdl({ bytes: latin1, rate: '24' }).events[0]!.clipName).toBe('Caf\u00e9');
  });
});

describe('errors', () => {
  const header = 'TITLE: Broken\nFCM: NON-DROP FRAME\n';

  it('names the line of an unreadable event line', () => {
    const text =
      header +
      '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n002  CLIP_B   V     Q        00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00\n';
    expect(() => readEdl({ text, rate: '24' })).toThrow(expect.objectContaining({ code: 'EDL_PARSE', line: 4, reason: 'BAD_EVENT_LINE' }));
    expect(() => readEdl({ text: header + '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00\n', rate: '24' })).toThrow(
      /line 3: unreadable event line/,
    );
  });

  it('names the line of an unreadable FCM, M2 or AUD line', () => {
    const event = '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n';
    expect(() => readEdl({ text: 'FCM: SOMETIMES\n' + event, rate: '24' })).toThrow(expect.objectContaining({ line: 1, reason: 'BAD_FCM_LINE' }));
    expect(() => readEdl({ text: event + 'M2   CLIP_A       fast                 00:00:00:00\n', rate: '24' })).toThrow(
      expect.objectContaining({ line: 2, reason: 'BAD_SPEED_LINE' }),
    );
    expect(() => readEdl({ text: event + 'AUD  x\n', rate: '24' })).toThrow(expect.objectContaining({ line: 2, reason: 'BAD_AUD_LINE' }));
  });

  it('refuses a record timecode the rate cannot hold', () => {
    const text = header + '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:00:24\n';
    expect(() => readEdl({ text, rate: '24' })).toThrow(expect.objectContaining({ line: 3, reason: 'BAD_TIMECODE' }));
  });

  it('refuses a source out before its in, strict or not', () => {
    const text = header + '\n001  CLIP_A   V     C        00:00:02:00 00:00:01:00 01:00:00:00 01:00:01:00\n';
    expect(() => readEdl({ text, rate: '24' })).toThrow(
      expect.objectContaining({ line: 4, reason: 'SOURCE_OUT_BEFORE_IN', message: 'line 4: event 1: source out 00:00:01:00 is before source in 00:00:02:00' }),
    );
  });

  it('refuses drop frame at a rate without it', () => {
    const text = 'FCM: DROP FRAME\n001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n';
    expect(() => readEdl({ text, rate: '25' })).toThrow(expect.objectContaining({ reason: 'DROP_FRAME_RATE', line: 2 }));
    expect(readEdl({ text }).rate).toBe('29.97');
  });

  it('reports a record out before its in as a problem', () => {
    const text = header + '001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:01:00 01:00:00:00\n';
    const list = readEdl({ text, rate: '24' });
    expect(list.problems.map((p) => [p.reason, p.line])).toEqual([['RECORD_OUT_BEFORE_IN', 3]]);
  });

  it('warns about lines it does not understand instead of dropping them silently', () => {
    const text = header + 'SPLIT:    AUDIO DELAY=  00:00:00:08\n001  CLIP_A   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n';
    expect(readEdl({ text, rate: '24' }).warnings).toEqual([
      { line: 3, code: 'UNKNOWN_LINE', message: "line not understood, ignored: 'SPLIT:    AUDIO DELAY=  00:00:00:08'" },
    ]);
  });
});

describe('rate inference', () => {
  it('reads a 25 fps list as 25 even when no frame number reaches 24', () => {
    // 00:00:00:20 to 00:00:01:10 is 15 frames at 25 fps but 14 at 24; the record side agrees at 25.
    const text = '001  CLIP_A   V     C        00:00:00:20 00:00:01:10 01:00:00:00 01:00:00:15\n';
    expect(readEdl({ text }).rate).toBe('25');
  });

  it("reads ';' timecodes in a list without an FCM line as drop frame", () => {
    const list = readEdl({ text: '001  CLIP_A   V     C        00:00:00;00 00:01:00;02 01:00:00;00 01:01:00;02\n' });
    expect(list.fcm).toBeNull();
    expect(list.rate).toBe('29.97');
    expect(list.events[0]).toMatchObject({ fcm: 'DROP FRAME', recordIn: { frames: 107_892 }, recordOut: { frames: 107_892 + 1800 } });
  });

  it('reads frame numbers to 29 as 30 and drop-frame lists as 29.97', () => {
    expect(readEdl({ text: '001  CLIP_A   V     C        00:00:00:00 00:00:00:29 01:00:00:00 01:00:00:29\n' }).rate).toBe('30');
    expect(readEdl({ text: 'FCM: DROP FRAME\n001  CLIP_A   V     C        00:00:00:00 00:00:00:29 01:00:00:00 01:00:00:29\n' }).rate).toBe('29.97');
  });
});

describe('checkRecordOrder', () => {
  const list = (lines: string[]) => readEdl({ text: lines.join('\n'), rate: '24' });

  it('accepts audio under picture and a dissolve pair', () => {
    const ok = list([
      '001  CLIP_A   V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00',
      '002  MUSIC    A     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00',
      '003  CLIP_A   V     C        00:00:02:00 00:00:02:00 01:00:02:00 01:00:02:00',
      '003  CLIP_B   V     D    012 00:00:00:00 00:00:02:00 01:00:02:00 01:00:04:00',
    ]);
    expect(() => checkRecordOrder(ok)).not.toThrow();
  });

  it('refuses an overlap on one track, naming the event', () => {
    const bad = list([
      '001  CLIP_A   V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00',
      '002  CLIP_B   V     C        00:00:00:00 00:00:02:00 01:00:01:12 01:00:03:12',
    ]);
    expect(() => checkRecordOrder(bad)).toThrow(EdlRecordOrderError);
    expect(() => checkRecordOrder(bad)).toThrow('event 2 (line 2): record in 01:00:01:12 overlaps event 1, which runs to 01:00:02:00 on track V');
  });

  it('refuses record times that go backwards, and AA against A', () => {
    const backwards = list([
      '001  CLIP_A   V     C        00:00:00:00 00:00:02:00 01:00:02:00 01:00:04:00',
      '002  CLIP_B   V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00',
    ]);
    expect(() => checkRecordOrder(backwards)).toThrow(
      expect.objectContaining({ eventNumber: 2, message: expect.stringContaining('goes back before event 1') }),
    );
    const stereo = list([
      '001  MUSIC    A     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00',
      '002  DIALOG   AA    C        00:00:00:00 00:00:02:00 01:00:01:00 01:00:03:00',
    ]);
    expect(() => checkRecordOrder(stereo)).toThrow(expect.objectContaining({ eventNumber: 2, code: 'EDL_RECORD_ORDER' }));
  });
});
