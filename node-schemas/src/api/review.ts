import { z } from 'zod';
import { Actor } from '../actor.ts';
import { GraphEditOp } from '../ws-messages.ts';
import { SceneName } from '../node-data.ts';
import { defineFormat, migrate } from '../migrate/migrate.ts';

/** A scene's review status (docs/governance.md#review). */
export const SceneStatus = z.enum(['draft', 'in_review', 'approved', 'revision_requested']);
export type SceneStatus = z.infer<typeof SceneStatus>;

export const ReviewAction = z.enum(['submit', 'approve', 'request_revision', 'reopen']);
export type ReviewAction = z.infer<typeof ReviewAction>;

/**
 * The review status machine (docs/governance.md#review): draft -> submit -> in review -> approve |
 * request revision; revision requested -> submit -> in review; approved -> reopen -> draft.
 */
export const REVIEW_TRANSITIONS: Readonly<Record<SceneStatus, Partial<Record<ReviewAction, SceneStatus>>>> = {
  draft: { submit: 'in_review' },
  in_review: { approve: 'approved', request_revision: 'revision_requested' },
  revision_requested: { submit: 'in_review' },
  approved: { reopen: 'draft' },
};

/** The status an action leads to, or null when the action is not allowed from `status`. */
export function nextSceneStatus(status: SceneStatus, action: ReviewAction): SceneStatus | null {
  return REVIEW_TRANSITIONS[status][action] ?? null;
}

/** The actions allowed from a status, in the order the Review panel shows them. */
export function allowedReviewActions(status: SceneStatus): ReviewAction[] {
  return Object.keys(REVIEW_TRANSITIONS[status]) as ReviewAction[];
}

/** Credits; null: no budget. */
export const SceneBudget = z.number().nonnegative().max(1e12).nullable();

/** One scene's review record in `04_Project_Files/Review/scenes.json`; a scene missing there is draft with no budget. */
export const SceneRecord = z
  .object({
    status: SceneStatus,
    budget: SceneBudget,
    note: z.string().max(2000).optional(),
    updated_at: z.string().optional(),
    updated_by: Actor.optional(),
  })
  .strict();
export type SceneRecord = z.infer<typeof SceneRecord>;

export const DRAFT_SCENE: SceneRecord = { status: 'draft', budget: null };

/** scenes.json. 1: the first. */
export const SCENES_FILE_FORMAT = 1;
export const scenesFileFormat = defineFormat({ kind: 'scenes.json', current: SCENES_FILE_FORMAT, steps: [(doc) => doc] });
export const ScenesFile = z.object({ format: z.literal(SCENES_FILE_FORMAT), scenes: z.record(SceneName, SceneRecord) }).strict();
export type ScenesFile = z.infer<typeof ScenesFile>;
export const migrateScenesFile = (raw: unknown) => migrate(scenesFileFormat, raw).doc;

/** What happened (docs/governance.md#event-log). */
export const EventType = z.enum([
  'SceneCreated',
  'SceneRemoved',
  'SceneSubmittedForReview',
  'SceneApproved',
  'RevisionRequested',
  'SceneReopened',
  'SceneBudgetSet',
  'TakeGenerated',
  'TakeSelected',
  'CanvasEdited',
  'CanvasReplaced',
  'ProjectUpdated',
  'RenderCompleted',
]);
export type EventType = z.infer<typeof EventType>;

/** One line of events.jsonl. 1: the first. */
export const EVENT_FORMAT = 1;
export const eventFormat = defineFormat({ kind: 'event log line', current: EVENT_FORMAT, steps: [(doc) => doc] });
export const migrateEvent = (raw: unknown) => migrate(eventFormat, raw).doc;

/**
 * A canvas event carries what replay needs: the server clock it was applied at, the graph version
 * before it, and the edits applied (or the whole graph for a replacement), so the log replayed in
 * order from the scaffold graph gives the canvas at every event.
 */
export const CanvasReplay = z.union([
  z.object({ kind: z.literal('edits'), clock: z.int().nonnegative(), edits: z.array(GraphEditOp) }).strict(),
  z.object({ kind: z.literal('graph'), clock: z.int().nonnegative(), nodes: z.array(z.unknown()), edges: z.array(z.unknown()) }).strict(),
]);
export type CanvasReplay = z.infer<typeof CanvasReplay>;

export const StudioEvent = z
  .object({
    format: z.literal(EVENT_FORMAT),
    seq: z.int().min(1),
    type: EventType,
    actor: Actor.nullable(),
    time: z.string(),
    scene: SceneName.optional(),
    payload: z.record(z.string(), z.unknown()),
    /** Present on every event that changed the canvas. */
    replay: CanvasReplay.optional(),
  })
  .strict();
export type StudioEvent = z.infer<typeof StudioEvent>;

export const ReviewRequest = z.object({ action: ReviewAction, note: z.string().max(2000).optional() }).strict();
export type ReviewRequest = z.infer<typeof ReviewRequest>;

export const SceneBudgetRequest = z.object({ budget: SceneBudget }).strict();
export type SceneBudgetRequest = z.infer<typeof SceneBudgetRequest>;

/** GET /projects/:id/scenes: the graph's scenes in running order with their records. */
export const SceneSummary = SceneRecord.extend({ scene: SceneName, shots: z.int().nonnegative() });
export type SceneSummary = z.infer<typeof SceneSummary>;
export const SceneListResponse = z.object({ scenes: z.array(SceneSummary) });
export type SceneListResponse = z.infer<typeof SceneListResponse>;

export const ReviewResponse = z.object({ scene: SceneSummary, event: StudioEvent.nullable(), commit: z.string() });
export type ReviewResponse = z.infer<typeof ReviewResponse>;

export const EventListResponse = z.object({ events: z.array(StudioEvent.omit({ replay: true })) });
export type EventListResponse = z.infer<typeof EventListResponse>;
