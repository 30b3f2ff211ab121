export {
  FRAME_RATES,
  conformFrames,
  framesPerDay,
  framesToTimecode,
  isFrameRate,
  supportsDropFrame,
  timebase,
  timecodeToFrames,
  type FrameRate,
} from './timecode.ts';
export type { EdlEvent, EdlFcm, EdlList, EdlLocator, EdlSpeed, EdlTime, EdlTransition, EdlTransitionType, EdlWarning } from './types.ts';
export { EdlError, EdlParseError, EdlRecordOrderError, EdlWriteError, TimecodeError, type EdlParseReason } from './errors.ts';
export { readEdl, type ReadEdlArgs } from './read-edl.ts';
export { checkRecordOrder } from './check-record-order.ts';
export { writeEdl, MAX_EVENTS_PER_LIST, SOURCE_RATE_KEYS, type WriteEdlArgs, type WriteEdlEvent, type WriteEdlTransition } from './write-edl.ts';
export { assignReelNames } from './reel-names.ts';
export { channelTracks } from './channels.ts';
