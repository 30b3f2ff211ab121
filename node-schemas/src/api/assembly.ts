import { z } from 'zod';
import { FrameRate } from '../node-data.ts';

/**
 * What the assembler shows on a shot before export. `error`s refuse the export (a trim outside the
 * take); `notice`s say what the list does differently from what was asked (a shortened dissolve).
 */
export const SequenceWarning = z.object({
  nodeId: z.string(),
  scene: z.string(),
  shot: z.string(),
  severity: z.enum(['error', 'notice']),
  code: z.enum(['TRIM_OUTSIDE_TAKE', 'TRIM_EMPTY', 'DISSOLVE_SHORTENED', 'DISSOLVE_DROPPED', 'TAKE_SHORTER', 'RATE_CONFORMED']),
  message: z.string(),
});
export type SequenceWarning = z.infer<typeof SequenceWarning>;

/** GET /api/v1/projects/:id/edl/check: the cut's length and what it will do differently, before export. */
export const EdlCheck = z.object({
  shots: z.int(),
  frames: z.int(),
  fps: FrameRate,
  /** Shots without an active take. */
  missing: z.array(z.object({ nodeId: z.string(), name: z.string() })),
  warnings: z.array(SequenceWarning),
});
export type EdlCheck = z.infer<typeof EdlCheck>;

/** 201 of POST /api/v1/projects/:id/edl: the committed list (several parts past 999 events). */
export const EdlExport = z.object({
  files: z.array(z.object({ path: z.string(), url: z.string() })),
  shots: z.int(),
  frames: z.int(),
  fps: FrameRate,
  warnings: z.array(SequenceWarning),
});
export type EdlExport = z.infer<typeof EdlExport>;

/** POST /api/v1/projects/:id/preview and GET .../preview/:previewId: a draft render of the cut. */
export const DraftPreviewStatus = z.object({
  id: z.string(),
  assemblerId: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  /** 0-100. */
  progress: z.number(),
  step: z.string(),
  /** Project path of the movie once it is whole, and its URL. */
  output: z.string().nullable(),
  url: z.string().nullable(),
  frames: z.number().nullable(),
  error: z.string().nullable(),
});
export type DraftPreviewStatus = z.infer<typeof DraftPreviewStatus>;
