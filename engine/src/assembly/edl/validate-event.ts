import { isBlackReel } from './black.ts';
import { EdlParseError } from './errors.ts';
import { conformFrames, supportsDropFrame, timecodeToFrames, type FrameRate } from './timecode.ts';
import type { EdlEvent } from './types.ts';

/**
 * What is inconsistent in one event, as errors naming its line. Real lists routinely carry some
 * of these (sources with another rate's timecode, black with arbitrary times), which is why the
 * reader reports them rather than refusing the list unless asked to be strict.
 */
export function eventProblems(args: { event: EdlEvent; rate: FrameRate }): EdlParseError[] {
  const { event } = args;
  const problems: EdlParseError[] = [];
  const reversed = (event.speed?.fps ?? 0) < 0;
  if (event.sourceOut.frames < event.sourceIn.frames && !reversed) {
    problems.push(
      new EdlParseError({
        line: event.line,
        reason: 'SOURCE_OUT_BEFORE_IN',
        message: `event ${event.number}: source out ${event.sourceOut.timecode} is before source in ${event.sourceIn.timecode}`,
        data: { eventNumber: event.number },
      }),
    );
  }
  const record = event.recordOut.frames - event.recordIn.frames;
  if (record < 0) {
    problems.push(
      new EdlParseError({
        line: event.line,
        reason: 'RECORD_OUT_BEFORE_IN',
        message: `event ${event.number}: record out ${event.recordOut.timecode} is before record in ${event.recordIn.timecode}`,
        data: { eventNumber: event.number },
      }),
    );
    return problems;
  }
  if (!durationsShouldAgree(event)) return problems;
  const source = event.sourceOut.frames - event.sourceIn.frames;
  // A source at its own rate lasts as long as its record in real time (the writer counts it from the record).
  const expected = event.sourceRate ? conformFrames({ frames: record, from: args.rate, to: event.sourceRate }) : record;
  if (source === expected || (!event.sourceRate && record === otherFcmSourceDuration({ event, rate: args.rate }))) return problems;
  const kind = event.transition.type === 'C' ? 'a cut' : `a ${event.transition.type} transition`;
  problems.push(
    new EdlParseError({
      line: event.line,
      reason: 'DURATION_MISMATCH',
      message:
        `event ${event.number}: source duration ${source} frames (${event.sourceIn.timecode} to ${event.sourceOut.timecode}) ` +
        `differs from record duration ${record} frames (${event.recordIn.timecode} to ${event.recordOut.timecode}) on ${kind} without an M2 speed change`,
      data: { eventNumber: event.number, sourceFrames: source, recordFrames: record },
    }),
  );
  return problems;
}

function durationsShouldAgree(event: EdlEvent): boolean {
  if (event.speed) return false;
  if (isBlackReel(event.reel)) return false;
  // Avid writes 00:00:00:00 to 00:00:00:00 for sources with no timecode (audio files in TEST.edl).
  if (event.sourceIn.frames === 0 && event.sourceOut.frames === 0) return false;
  return true;
}

/**
 * Avid keeps one FCM line for a drop-frame list even where a source's own timecode is
 * non-drop (12_16 TL01 MUSIC.edl), so a source duration that agrees when counted in the other
 * mode is accepted.
 */
function otherFcmSourceDuration(args: { event: EdlEvent; rate: FrameRate }): number | null {
  const { event, rate } = args;
  const dropFrame = event.fcm !== 'DROP FRAME';
  if (dropFrame && !supportsDropFrame(rate)) return null;
  try {
    return timecodeToFrames({ timecode: event.sourceOut.timecode, rate, dropFrame }) - timecodeToFrames({ timecode: event.sourceIn.timecode, rate, dropFrame });
  } catch {
    return null;
  }
}
