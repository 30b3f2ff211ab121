import { StudioError } from '../../errors.ts';

/**
 * The EDL library's errors carry a stable code and data, and no HTTP status: it is a library, not
 * an endpoint. server/error-handler.ts maps their codes to statuses.
 */
export abstract class EdlError extends StudioError {}

/** A timecode that cannot exist at the given rate, or a frame count outside the 24-hour clock. */
export class TimecodeError extends EdlError {
  override readonly code = 'EDL_TIMECODE';
}

/**
 * A list that cannot be read, or whose event contradicts itself. `line` is 1-based;
 * `reason` is a stable machine-readable cause (see EdlParseReason).
 */
export class EdlParseError extends EdlError {
  override readonly code = 'EDL_PARSE';
  readonly line: number;
  readonly reason: EdlParseReason;
  constructor(args: { line: number; reason: EdlParseReason; message: string; text?: string; data?: Record<string, unknown> }) {
    super(`line ${args.line}: ${args.message}`, { line: args.line, reason: args.reason, text: args.text, ...args.data });
    this.line = args.line;
    this.reason = args.reason;
  }
}

export type EdlParseReason =
  | 'BAD_EVENT_LINE'
  | 'BAD_TIMECODE'
  | 'BAD_SOURCE_TIMECODE'
  | 'BAD_SPEED_LINE'
  | 'BAD_FCM_LINE'
  | 'BAD_AUD_LINE'
  | 'DROP_FRAME_RATE'
  | 'SOURCE_OUT_BEFORE_IN'
  | 'RECORD_OUT_BEFORE_IN'
  | 'DURATION_MISMATCH';

/** Record times on one track that go backwards or overlap: the renderer cannot lay them out. */
export class EdlRecordOrderError extends EdlError {
  override readonly code = 'EDL_RECORD_ORDER';
  readonly eventNumber: number;
  readonly line: number;
  constructor(args: { eventNumber: number; line: number; message: string; data?: Record<string, unknown> }) {
    super(`event ${args.eventNumber} (line ${args.line}): ${args.message}`, { eventNumber: args.eventNumber, line: args.line, ...args.data });
    this.eventNumber = args.eventNumber;
    this.line = args.line;
  }
}

/**
 * Writer input that cannot be expressed as a CMX3600 list. The message names the event as the list
 * numbers it (and its part, when the list is split) and the shot it shows; `index` is the input event.
 */
export class EdlWriteError extends EdlError {
  override readonly code = 'EDL_WRITE';
  readonly index: number | null;
  readonly eventNumber: number | null;
  constructor(args: {
    index: number | null;
    eventNumber?: number | null;
    part?: number | null;
    label?: string | null;
    message: string;
    data?: Record<string, unknown>;
  }) {
    const eventNumber = args.eventNumber ?? null;
    const where =
      eventNumber === null
        ? ''
        : `${args.part ? `part ${args.part}, ` : ''}event ${String(eventNumber).padStart(3, '0')}${args.label ? ` (${args.label})` : ''}: `;
    super(`${where}${args.message}`, {
      index: args.index,
      eventNumber,
      ...(args.part ? { part: args.part } : {}),
      ...(args.label ? { label: args.label } : {}),
      ...args.data,
    });
    this.index = args.index;
    this.eventNumber = eventNumber;
  }
}
