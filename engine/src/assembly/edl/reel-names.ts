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
  /** The shot the media belongs to: its reel then says scene and shot (S01_010), as editors look for. */
  scene?: string;
  shot?: string;
  /** Audio-only media of a shot gets A01_010, so it never shares the picture's reel. */
  channels?: string;
}

/**
 * One reel name per piece of media, at most 8 characters of A-Z, 0-9 and _. Media of a shot is
 * named by scene and shot first (S01_010 for SCENE_01/SHOT_010, A01_010 for its sound), so reels
 * are unique per scene and shot; a second file of the same shot gets a letter (S01_010B). Other
 * media is named from its clip name, different files whose names collapse to the same reel told
 * apart with a numeric suffix that keeps the clip number (SHOT010, then SH010_01).
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
    const shotReel = shotReelBase(event);
    const reel = (shotReel !== null ? lettered(shotReel, taken) : null) ?? uniqueReel({ base: shotReel ?? reelBase(event.clipName), taken, nextSuffix });
    taken.add(reel);
    byFile.set(event.sourceFile, reel);
    return reel;
  });
}

/** S01_010 (picture) or A01_010 (sound) for a shot's media; shorter forms when the numbers are long. */
export function shotReelBase(args: { scene?: string | undefined; shot?: string | undefined; channels?: string | undefined }): string | null {
  const scene = /(\d+)$/.exec(args.scene ?? '')?.[1];
  const shot = /(\d+)$/.exec(args.shot ?? '')?.[1];
  if (scene === undefined || shot === undefined) return null;
  const kind = args.channels !== undefined && !args.channels.includes('V') && args.channels !== 'B' ? 'A' : 'S';
  return [`${kind}${scene}_${shot}`, `${kind}${scene}${shot}`, `${scene}${shot}`].find((reel) => reel.length <= MAX_REEL_LENGTH) ?? null;
}

/** The base itself, else the base with a letter B-Z where it fits. */
function lettered(base: string, taken: ReadonlySet<string>): string | null {
  if (isFree(base, taken)) return base;
  if (base.length >= MAX_REEL_LENGTH) return null;
  for (let code = 66; code <= 90; code += 1) {
    const candidate = base + String.fromCharCode(code);
    if (isFree(candidate, taken)) return candidate;
  }
  return null;
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
