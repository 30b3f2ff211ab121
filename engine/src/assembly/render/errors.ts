import { StudioError } from '../../errors.ts';

/** ffmpeg, editly or the output check failed; `data` carries the tool's last lines where there are any. */
export class RenderError extends StudioError {
  override readonly code = 'RENDER_FAILED';
  override readonly status = 500;
}

/** A source file the list needs is absent, or only a Git LFS pointer whose content was never fetched. */
export class MissingMediaError extends StudioError {
  override readonly code = 'MISSING_MEDIA';
  override readonly status = 409;
  constructor(args: { event: number; path: string; reason: 'absent' | 'lfs-pointer' }) {
    const why = args.reason === 'absent' ? 'is missing' : 'is a Git LFS pointer: its content was never fetched (git lfs pull)';
    super(`event ${args.event}: source file ${args.path} ${why}`, { event: args.event, path: args.path, reason: args.reason });
  }
}

/** A list the renderer cannot lay out: overlapping records, retimed events, wipes, paths outside the project. */
export class InvalidEdlError extends StudioError {
  override readonly code = 'INVALID_EDL';
  override readonly status = 400;
  constructor(args: { event: number | null; message: string; data?: Record<string, unknown>; cause?: unknown }) {
    super(args.event === null ? args.message : `event ${args.event}: ${args.message}`, { event: args.event, ...args.data });
    if (args.cause !== undefined) this.cause = args.cause;
  }
}
