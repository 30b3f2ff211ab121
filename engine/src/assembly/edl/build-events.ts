import type { Entry } from './collect-entries.ts';
import { EdlParseError, TimecodeError } from './errors.ts';
import { readComment } from './read-comment.ts';
import { isFrameRate, splitTimecode, supportsDropFrame, timebase, timecodeToFrames, type FrameRate } from './timecode.ts';
import type { EdlEvent, EdlFcm, EdlSpeed, EdlTime, EdlWarning } from './types.ts';

/** A cut followed by a transition line with the same event number is one edit: outgoing then incoming. */
export function groupBlocks(args: { entries: readonly Entry[] }): Entry[][] {
  const blocks: Entry[][] = [];
  for (const entry of args.entries) {
    const last = blocks.at(-1);
    const previous = last?.at(-1);
    if (
      last &&
      last.length === 1 &&
      previous &&
      previous.source.number === entry.source.number &&
      previous.source.transition.type === 'C' &&
      entry.source.transition.type !== 'C'
    ) {
      last.push(entry);
    } else {
      blocks.push([entry]);
    }
  }
  return blocks;
}

/** Events of the blocks in list order, timecodes counted at `rate`, with names, files and speeds placed. */
export function buildEvents(args: {
  blocks: readonly Entry[][];
  rate: FrameRate;
  recordFcm: EdlFcm;
  warnings: EdlWarning[];
  problems: EdlParseError[];
}): EdlEvent[] {
  const events: EdlEvent[] = [];
  for (const block of args.blocks) {
    const rates = sourceRates({ block });
    const built = block.map((entry, i) =>
      buildEvent({ entry, rate: args.rate, sourceRate: rates[i] ?? null, recordFcm: args.recordFcm, warnings: args.warnings, problems: args.problems }),
    );
    describeBlock({ block, events: built });
    assignSpeeds({ block, events: built, warnings: args.warnings });
    events.push(...built);
  }
  return events;
}

/**
 * The studio's writer says `* SOURCE FRAME RATE: 24` (FROM/TO in a transition block) when a
 * source's own rate is not the list's; its source timecodes are then counted, non-drop, at that rate.
 */
function sourceRates(args: { block: readonly Entry[] }): Array<FrameRate | null> {
  const found: Partial<Record<'cut' | 'from' | 'to', FrameRate>> = {};
  for (const entry of args.block) {
    for (const comment of entry.comments) {
      // Most comments are clip names and files: skip them before the pattern (reading is a hot path).
      if (comment.text.length < 19 || !/rate:/i.test(comment.text)) continue;
      const match = /^(FROM |TO )?SOURCE FRAME RATE:\s*(\S+)\s*$/i.exec(comment.text);
      if (!match || !isFrameRate(match[2])) continue;
      const side = match[1] ? (match[1].trim().toLowerCase() as 'from' | 'to') : 'cut';
      found[side] ??= match[2];
    }
  }
  if (args.block.length === 2) return [found.from ?? null, found.to ?? null];
  return [args.block[0]!.source.transition.type === 'C' ? (found.cut ?? null) : (found.to ?? null)];
}

function buildEvent(args: {
  entry: Entry;
  rate: FrameRate;
  sourceRate: FrameRate | null;
  recordFcm: EdlFcm;
  warnings: EdlWarning[];
  problems: EdlParseError[];
}): EdlEvent {
  const { entry, rate, recordFcm } = args;
  const { source } = entry;
  if ((entry.fcm === 'DROP FRAME' || recordFcm === 'DROP FRAME') && !supportsDropFrame(rate)) {
    throw new EdlParseError({
      line: source.line,
      reason: 'DROP_FRAME_RATE',
      message: `FCM: DROP FRAME is in force but the rate is ${rate}; drop frame exists only at 29.97 and 59.94`,
    });
  }
  const [si, so, ri, ro] = source.timecodes;
  const { line } = source;
  const { problems } = args;
  const ownRate = args.sourceRate !== null && args.sourceRate !== rate ? args.sourceRate : null;
  const sourceRate = ownRate ?? rate;
  const sourceFcm: EdlFcm = ownRate ? 'NON-DROP FRAME' : entry.fcm;
  const sourceIn: EdlTime = { timecode: si, frames: sourceFrames({ timecode: si, rate: sourceRate, fcm: sourceFcm, line, problems }) };
  const sourceOut: EdlTime = { timecode: so, frames: sourceFrames({ timecode: so, rate: sourceRate, fcm: sourceFcm, line, problems, end: true }) };
  const recordIn: EdlTime = { timecode: ri, frames: recordFrames({ timecode: ri, rate, fcm: recordFcm, line }) };
  const recordOut: EdlTime = { timecode: ro, frames: recordFrames({ timecode: ro, rate, fcm: recordFcm, line, end: true }) };
  if (source.transition.typeAssumed) {
    args.warnings.push({
      line: source.line,
      code: 'TRANSITION_TYPE_ASSUMED',
      message: `transition of ${source.transition.duration} frames has no type letter; read as a dissolve`,
    });
  }
  const event: EdlEvent = {
    number: source.number,
    reel: source.reel,
    channels: source.channels,
    transition: { ...source.transition },
    sourceIn,
    sourceOut,
    recordIn,
    recordOut,
    comments: entry.comments.map((c) => c.text),
    locators: [],
    fcm: entry.fcm,
    line: source.line,
  };
  if (ownRate) event.sourceRate = ownRate;
  if (entry.audioChannels) event.audioChannels = entry.audioChannels;
  if (entry.effectName !== undefined) event.effectName = entry.effectName;
  for (const comment of entry.comments) {
    const field = readComment({ text: comment.text });
    if (field.key === 'locator') event.locators.push({ timecode: field.timecode, color: field.color, text: field.text, line: comment.line });
    if (field.key === 'fullReel') event.fullReel = field.value;
  }
  return event;
}

function recordFrames(args: { timecode: string; rate: FrameRate; fcm: EdlFcm; line: number; end?: boolean }): number {
  try {
    return timecodeToFrames({ timecode: args.timecode, rate: args.rate, dropFrame: args.fcm === 'DROP FRAME', end: args.end ?? false });
  } catch (error) {
    if (!(error instanceof TimecodeError)) throw error;
    throw new EdlParseError({ line: args.line, reason: 'BAD_TIMECODE', message: `record ${error.message}`, text: args.timecode });
  }
}

/**
 * A source timecode the rate cannot hold (a source with its own rate, or a tool's garbage) still
 * gets a frame count, by plain arithmetic on its fields, and is reported as a problem.
 */
function sourceFrames(args: { timecode: string; rate: FrameRate; fcm: EdlFcm; line: number; problems: EdlParseError[]; end?: boolean }): number {
  const dropFrame = args.fcm === 'DROP FRAME';
  try {
    return timecodeToFrames({ timecode: args.timecode, rate: args.rate, dropFrame, end: args.end ?? false });
  } catch (error) {
    if (!(error instanceof TimecodeError)) throw error;
    args.problems.push(new EdlParseError({ line: args.line, reason: 'BAD_SOURCE_TIMECODE', message: `source ${error.message}`, text: args.timecode }));
    const { hours, minutes, seconds, frames } = splitTimecode(args.timecode)!;
    const tb = timebase(args.rate);
    const totalMinutes = hours * 60 + minutes;
    const dropped = dropFrame ? (tb / 30) * 2 * (totalMinutes - Math.floor(totalMinutes / 10)) : 0;
    return (hours * 3600 + minutes * 60 + seconds) * tb + frames - dropped;
  }
}

/**
 * Clip names and source files. In a transition block FROM CLIP NAME is the outgoing clip and
 * TO CLIP NAME the incoming one; Avid pairs SOURCE FILE with FROM CLIP NAME (TEST.edl event 028),
 * and this module's writer adds TO SOURCE FILE for the incoming clip.
 */
function describeBlock(args: { block: readonly Entry[]; events: EdlEvent[] }): void {
  const fields: Partial<Record<'fromClipName' | 'toClipName' | 'sourceFile' | 'toSourceFile', string>> = {};
  for (const entry of args.block) {
    for (const comment of entry.comments) {
      const field = readComment({ text: comment.text });
      if (field.key === 'fromClipName' || field.key === 'toClipName' || field.key === 'sourceFile' || field.key === 'toSourceFile') {
        fields[field.key] ??= field.value;
      }
    }
  }
  const sourceFile = fields.sourceFile === '(NULL)' ? undefined : fields.sourceFile;
  const [first, second] = args.events as [EdlEvent, EdlEvent | undefined];
  if (second) {
    set(first, 'clipName', fields.fromClipName);
    set(first, 'sourceFile', sourceFile);
    second.fromReel = first.reel;
    set(second, 'fromClipName', fields.fromClipName);
    set(second, 'clipName', fields.toClipName);
    set(second, 'sourceFile', fields.toSourceFile);
  } else if (first.transition.type === 'C') {
    set(first, 'clipName', fields.fromClipName);
    set(first, 'sourceFile', sourceFile);
  } else {
    set(first, 'fromClipName', fields.fromClipName);
    set(first, 'clipName', fields.toClipName);
    set(first, 'sourceFile', fields.toSourceFile);
  }
}

function set<K extends 'clipName' | 'fromClipName' | 'sourceFile'>(event: EdlEvent, key: K, value: string | undefined): void {
  if (value !== undefined && value !== '') event[key] = value;
}

/**
 * M2 lines follow the block, so in a transition block they can belong to either side:
 * match on reel and source timecode, then reel alone, then the only event.
 */
function assignSpeeds(args: { block: readonly Entry[]; events: EdlEvent[]; warnings: EdlWarning[] }): void {
  const speeds = args.block.flatMap((entry) => entry.speeds);
  for (const speed of speeds) {
    const value: EdlSpeed = { reel: speed.reel, fps: speed.fps, sourceTimecode: speed.timecode, line: speed.line };
    const free = args.events.filter((e) => e.speed === undefined);
    const target =
      free.find((e) => e.reel === speed.reel && e.sourceIn.timecode === speed.timecode) ??
      free.find((e) => e.reel === speed.reel) ??
      (args.events.length === 1 ? free[0] : undefined);
    if (target) target.speed = value;
    else args.warnings.push({ line: speed.line, code: 'UNMATCHED_SPEED_LINE', message: `M2 line for reel ${speed.reel} matches no event in its block` });
  }
}
