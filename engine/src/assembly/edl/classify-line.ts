import { isChannels } from './channels.ts';
import { EdlParseError } from './errors.ts';
import type { EdlFcm, EdlTransition } from './types.ts';

/** One line of a list, recognised but not yet converted to frames (that needs the rate). */
export type EdlLine =
  | { kind: 'title'; line: number; title: string }
  | { kind: 'fcm'; line: number; fcm: EdlFcm; trailing: string }
  | { kind: 'event'; line: number; number: number; reel: string; channels: string; transition: EdlTransition; timecodes: [string, string, string, string] }
  | { kind: 'speed'; line: number; reel: string; fps: number; timecode: string }
  | { kind: 'aud'; line: number; channels: number[] }
  | { kind: 'effect'; line: number; name: string }
  | { kind: 'comment'; line: number; text: string }
  | { kind: 'blank'; line: number }
  | { kind: 'ignored'; line: number }
  | { kind: 'end'; line: number }
  | { kind: 'unknown'; line: number; text: string };

const TIMECODE = /^\d{2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2}$/;
const DURATION = /^\d{1,4}$/;

export function classifyLine(args: { text: string; line: number }): EdlLine {
  const { line } = args;
  const text = args.text.trimEnd();
  const trimmed = text.trimStart();
  if (trimmed === '') return { kind: 'blank', line };
  // Ctrl-Z: the CP/M and DOS end-of-file mark some tools still pad lists with.
  if (trimmed.startsWith('\x1a')) return { kind: 'end', line };
  if (trimmed.startsWith('*')) return { kind: 'comment', line, text: trimmed.slice(1).trim() };
  if (/^\d+\s/.test(trimmed)) return parseEventLine({ text: trimmed, line });
  const upper = trimmed.toUpperCase();
  if (upper.startsWith('TITLE:')) return { kind: 'title', line, title: trimmed.slice(6).trim() };
  if (upper.startsWith('FCM:')) return parseFcm({ text: trimmed.slice(4).trim(), line });
  if (/^M2\s/.test(upper)) return parseSpeedLine({ text: trimmed, line });
  if (/^AUD\s/.test(upper)) return parseAudLine({ text: trimmed, line });
  if (upper.startsWith('EFFECTS NAME IS')) return { kind: 'effect', line, name: trimmed.slice('EFFECTS NAME IS'.length).trim() };
  // REM is a remark line; '>>> SOURCE' is Avid's source table. Neither describes an edit.
  if (/^REM(\s|$)/.test(upper) || upper.startsWith('>>>')) return { kind: 'ignored', line };
  return { kind: 'unknown', line, text: trimmed };
}

function parseFcm(args: { text: string; line: number }): EdlLine {
  const upper = args.text.toUpperCase();
  for (const fcm of ['NON-DROP FRAME', 'DROP FRAME'] as const) {
    if (upper.startsWith(fcm)) return { kind: 'fcm', line: args.line, fcm, trailing: args.text.slice(fcm.length).trim() };
  }
  throw new EdlParseError({ line: args.line, reason: 'BAD_FCM_LINE', message: `FCM line names no frame code mode: '${args.text}'`, text: args.text });
}

/**
 * Reads the columns from both ends, because reel and transition widths vary between tools
 * (8- to 32-character reels, 3- to 6-digit event numbers, W001 025 vs W001    010).
 */
function parseEventLine(args: { text: string; line: number }): EdlLine {
  const { text, line } = args;
  const tokens = text.split(/\s+/);
  if (tokens.length < 7) failEvent(text, line, 'too few columns');
  const timecodes = tokens.slice(-4) as [string, string, string, string];
  for (const tc of timecodes) if (!TIMECODE.test(tc)) failEvent(text, line, `'${tc}' is not a timecode`);
  const middle = tokens.slice(1, -4);

  let duration: number | undefined;
  if (middle.length > 0 && DURATION.test(middle.at(-1)!)) duration = Number(middle.pop());
  let transition: EdlTransition | undefined = middle.length > 0 ? parseTransitionType(middle.at(-1)!) : undefined;
  if (transition) middle.pop();
  else if (duration !== undefined) transition = { type: 'D', typeAssumed: true };
  else failEvent(text, line, 'no transition column');
  if (transition!.type !== 'C') {
    if (duration === undefined) failEvent(text, line, `transition ${transition!.type} has no duration`);
    transition!.duration = duration;
  }

  const channels = middle.pop();
  if (channels === undefined || !isChannels(channels)) failEvent(text, line, `'${channels ?? ''}' is not a channel code`);
  if (middle.length === 0) failEvent(text, line, 'no reel');
  return { kind: 'event', line, number: Number(tokens[0]), reel: middle.join(' '), channels: channels!, transition: transition!, timecodes };
}

function failEvent(text: string, line: number, why: string): never {
  throw new EdlParseError({ line, reason: 'BAD_EVENT_LINE', message: `unreadable event line (${why}): '${text}'`, text });
}

function parseTransitionType(token: string): EdlTransition | undefined {
  if (token === 'C') return { type: 'C' };
  if (token === 'D') return { type: 'D' };
  const wipe = /^W(\d{3})$/.exec(token);
  if (wipe) return { type: 'W', wipeCode: wipe[1]! };
  const key = /^K([BO])?$/.exec(token);
  if (key) return key[1] ? { type: 'K', keyMode: key[1] as 'B' | 'O' } : { type: 'K' };
  return undefined;
}

function parseSpeedLine(args: { text: string; line: number }): EdlLine {
  const { text, line } = args;
  const tokens = text.split(/\s+/);
  const timecode = tokens.at(-1)!;
  const fps = Number(tokens.at(-2));
  const reel = tokens.slice(1, -2).join(' ');
  if (tokens.length < 4 || !TIMECODE.test(timecode) || !Number.isFinite(fps) || reel === '') {
    throw new EdlParseError({ line, reason: 'BAD_SPEED_LINE', message: `unreadable M2 line: '${text}'`, text });
  }
  return { kind: 'speed', line, reel, fps, timecode };
}

function parseAudLine(args: { text: string; line: number }): EdlLine {
  const channels = args.text.split(/\s+/).slice(1).map(Number);
  if (channels.length === 0 || channels.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new EdlParseError({ line: args.line, reason: 'BAD_AUD_LINE', message: `unreadable AUD line: '${args.text}'`, text: args.text });
  }
  return { kind: 'aud', line: args.line, channels };
}
