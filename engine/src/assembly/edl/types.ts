import type { EdlParseError } from './errors.ts';
import type { FrameRate } from './timecode.ts';

export type EdlFcm = 'DROP FRAME' | 'NON-DROP FRAME';

/** A timecode as the list wrote it and its frame count at the list's rate and the event's FCM. */
export interface EdlTime {
  timecode: string;
  frames: number;
}

export type EdlTransitionType = 'C' | 'D' | 'W' | 'K';

export interface EdlTransition {
  type: EdlTransitionType;
  /** Frames, for D, W and K. */
  duration?: number;
  /** The three digits after W (SMPTE wipe pattern). */
  wipeCode?: string;
  /** B (background) or O (out) after K. */
  keyMode?: 'B' | 'O';
  /** The line gave a duration but no type letter (seen in an Avid list); it is read as a dissolve. */
  typeAssumed?: true;
}

/** An M2 motion-effect line: the clip plays at `fps` (0 is a freeze, negative is reverse). */
export interface EdlSpeed {
  reel: string;
  fps: number;
  sourceTimecode: string;
  line: number;
}

export interface EdlLocator {
  timecode: string;
  color: string;
  text: string;
  line: number;
}

export interface EdlEvent {
  number: number;
  reel: string;
  /** As written: V, A, A2, AA, B, AA/V, A2/V, NONE ... */
  channels: string;
  /** Extra audio channels from an `AUD 3 4` line (CMX channels 3 and 4). */
  audioChannels?: number[];
  transition: EdlTransition;
  sourceIn: EdlTime;
  sourceOut: EdlTime;
  recordIn: EdlTime;
  recordOut: EdlTime;
  /**
   * On a D/W/K event that follows its zero-length cut (same event number): that cut's reel,
   * the outgoing side of the transition. CMX3600 keeps both lines; so does this model.
   */
  fromReel?: string;
  /** On a D/W/K event: `* FROM CLIP NAME`, the outgoing clip. */
  fromClipName?: string;
  /** The event's own clip: FROM CLIP NAME on a cut, TO CLIP NAME on a transition's incoming side. */
  clipName?: string;
  sourceFile?: string;
  /** `*REEL:` the untruncated reel name Avid adds when the reel column is too short. */
  fullReel?: string;
  /** EFFECTS NAME IS ... */
  effectName?: string;
  /** Every `*` line after this event line, without the star, trimmed, in order. */
  comments: string[];
  locators: EdlLocator[];
  speed?: EdlSpeed;
  /** The source's own rate, when a `* SOURCE FRAME RATE:` comment gives one other than the list's: source frames count at it. */
  sourceRate?: FrameRate;
  /** The FCM in force for this event line; it governs the source timecodes (records use the list's). */
  fcm: EdlFcm;
  /** 1-based line of the event in the file. */
  line: number;
}

export interface EdlWarning {
  line: number;
  code: 'UNKNOWN_LINE' | 'TRANSITION_TYPE_ASSUMED' | 'FCM_TRAILING_TEXT' | 'UNMATCHED_SPEED_LINE';
  message: string;
}

export interface EdlList {
  title: string | null;
  /** The first FCM line, which governs record timecodes; null when none (then non-drop, or drop frame if timecodes use ';'). */
  fcm: EdlFcm | null;
  rate: FrameRate;
  /** True when the caller gave no rate and it was worked out from the timecodes. */
  rateInferred: boolean;
  /**
   * One per event line, in file order. A dissolve pair (zero-length outgoing cut + D line with
   * the same number) is two events, as SOURCES.md counts them; distinct numbers count edits.
   */
  events: EdlEvent[];
  /** `*` lines before the first event. */
  comments: string[];
  /** Lines read but not understood, or read with an assumption. */
  warnings: EdlWarning[];
  /** Events that contradict themselves, by line (see readEdl); empty for a consistent list. */
  problems: EdlParseError[];
}
