import { buildEvents, groupBlocks } from './build-events.ts';
import { collectEntries, type Entry } from './collect-entries.ts';
import { decodeEdlBytes, stripBom } from './decode-text.ts';
import type { EdlParseError } from './errors.ts';
import { inferRate } from './infer-rate.ts';
import type { FrameRate } from './timecode.ts';
import type { EdlFcm, EdlList } from './types.ts';
import { eventProblems } from './validate-event.ts';

export interface ReadEdlArgs {
  /** The list as text, or its bytes (UTF-8, or Latin-1 when not valid UTF-8). */
  text?: string;
  bytes?: Uint8Array;
  /** Lists do not state their rate; without one it is inferred (see inferRate). */
  rate?: FrameRate;
  /** Throw the first of `problems` instead of returning it. */
  strict?: boolean;
}

/**
 * Reads a CMX3600 list. Every event line becomes one EdlEvent, so a dissolve written as a
 * zero-length cut plus a `D nnn` line sharing its event number gives two events.
 *
 * Throws EdlParseError naming the line for what cannot be read: an unreadable event, M2, AUD or
 * FCM line, a record timecode that does not exist at the rate, a source out before its in.
 * Inconsistencies real NLE lists do carry (durations that disagree, record out before in, a
 * source frame number past the rate) are returned in `problems`, or thrown when `strict`.
 *
 * The first FCM line is the record FCM; each later one sets the FCM of the following events'
 * source timecodes (HEISTS switches ~100 times while its record timecodes stay non-drop).
 */
export function readEdl(args: ReadEdlArgs): EdlList {
  const { title, listFcm, header, entries, warnings } = collectEntries({ text: readText(args) });
  const recordFcm: EdlFcm = listFcm ?? defaultFcm({ entries });
  for (const entry of listFcm === null ? entries : []) entry.fcm = recordFcm;
  const blocks = groupBlocks({ entries });
  const rate =
    args.rate ??
    inferRate({
      probes: blocks.flatMap((block) => {
        const retimed = block.some((entry) => entry.speeds.length > 0);
        return block.map((entry) => ({ reel: entry.source.reel, recordFcm, sourceFcm: entry.fcm, timecodes: entry.source.timecodes, retimed }));
      }),
    });
  const problems: EdlParseError[] = [];
  const events = buildEvents({ blocks, rate, recordFcm, warnings, problems });
  for (const event of events) {
    for (const problem of eventProblems({ event, rate })) {
      if (problem.reason === 'SOURCE_OUT_BEFORE_IN') throw problem;
      problems.push(problem);
    }
  }
  problems.sort((a, b) => a.line - b.line);
  if (args.strict && problems.length > 0) throw problems[0]!;
  return { title, fcm: listFcm, rate, rateInferred: args.rate === undefined, events, comments: header, warnings, problems };
}

/** With no FCM line, ';' before the frames is the only sign of drop frame. */
function defaultFcm(args: { entries: readonly Entry[] }): EdlFcm {
  const semicolon = args.entries.some((entry) => entry.source.timecodes.some((tc) => tc[8] === ';'));
  return semicolon ? 'DROP FRAME' : 'NON-DROP FRAME';
}

function readText(args: ReadEdlArgs): string {
  if (args.text !== undefined) return stripBom(args.text);
  if (args.bytes !== undefined) return decodeEdlBytes({ bytes: args.bytes }).text;
  throw new TypeError('readEdl needs text or bytes');
}
