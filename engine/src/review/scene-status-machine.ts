import { allowedReviewActions, nextSceneStatus, type ReviewAction, type SceneStatus } from '@studio/node-schemas';

/** The status machine lives in node-schemas (the Review panel shows the same actions); these are its engine names. */
export function nextStatus(status: SceneStatus, action: ReviewAction): SceneStatus | null {
  return nextSceneStatus(status, action);
}

export const allowedActions = allowedReviewActions;

const LABELS: Record<SceneStatus, string> = { draft: 'a draft', in_review: 'in review', approved: 'approved', revision_requested: 'waiting for revision' };

export function statusLabel(status: SceneStatus): string {
  return LABELS[status];
}
