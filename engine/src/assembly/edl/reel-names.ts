import { isBlackReel } from './black.ts';
import { EdlWriteError } from './errors.ts';

export const MAX_REEL_LENGTH = 8;

// Names with a meaning of their own in CMX3600 lists: black and auxiliary source.
const RESERVED = new Set(['AX', 'AUX']);

export interface ReelRequest {
  /** Used as given when present (validated, not rewritten). */
  reel?: string;
  clipName: string;
  sourceFile: string;
}

/**
 * One reel name per event: at most 8 characters of A-Z, 0-9 and _, derived from the clip name.
 * A reel names a piece of media, so events with the same source file share one; different
 * files whose names collapse to the same reel are told apart with a numeric suffix that keeps
 * the clip number (SHOT010, then SH010_01).
 */
export function assignReelNames(args: { events: readonly ReelRequest[] }): string[] {
  const byFile = new Map<string, string>();
  const taken = new Set<string>();
  const nextSuffix = new Map<string, number>();
  args.events.forEach((event, index) => {
    if (event.reel === undefined) return;
    if (!/^\S{1,8}$/.test(event.reel)) {
      throw new EdlWriteError({ index, message: `reel '${event.reel}' must be 1 to ${MAX_REEL_LENGTH} characters with no spaces` });
    }
    taken.add(event.reel);
  });
  return args.events.map((event) => {
    if (event.reel !== undefined) return event.reel;
    const known = byFile.get(event.sourceFile);
    if (known !== undefined) return known;
    const reel = uniqueReel({ base: reelBase(event.clipName), taken, nextSuffix });
    taken.add(reel);
    byFile.set(event.sourceFile, reel);
    return reel;
  });
}

/** Upper-case letters, digits and single underscores; a file extension is dropped. */
export function reelBase(clipName: string): string {
  const base = clipName
    .replace(/\.[A-Za-z0-9]{2,4}$/, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return base === '' ? 'CLIP' : base;
}

/** `nextSuffix` remembers where each base's numbering stands, so many collisions stay linear. */
function uniqueReel(args: { base: string; taken: ReadonlySet<string>; nextSuffix: Map<string, number> }): string {
  const { base, taken, nextSuffix } = args;
  const first = compactReel(base, MAX_REEL_LENGTH);
  if (isFree(first, taken)) return first;
  for (let n = nextSuffix.get(first) ?? 1; ; n += 1) {
    const suffix = `_${String(n).padStart(2, '0')}`;
    const candidate = compactReel(base, MAX_REEL_LENGTH - suffix.length) + suffix;
    if (isFree(candidate, taken)) {
      nextSuffix.set(first, n + 1);
      return candidate;
    }
  }
}

function isFree(reel: string, taken: ReadonlySet<string>): boolean {
  return !taken.has(reel) && !isBlackReel(reel) && !RESERVED.has(reel);
}

/**
 * Shortens a name to `length` keeping its trailing number, which is what tells shots apart
 * (SHOT010 in 5 characters is SH010, not SHOT0).
 */
export function compactReel(name: string, length: number): string {
  if (name.length <= length) return name;
  const digits = /\d+$/.exec(name)?.[0] ?? '';
  if (digits.length === 0) return name.slice(0, length).replace(/_+$/, '') || name.slice(0, length);
  if (digits.length >= length) return digits.slice(-length);
  const head = name.slice(0, name.length - digits.length).replace(/_+$/, '');
  return head.slice(0, length - digits.length) + digits;
}
