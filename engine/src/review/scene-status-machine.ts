import type { ReviewAction, SceneStatus } from '@studio/node-schemas';

/**
 * The review status machine (docs/governance.md#review): draft -> submit -> in review -> approve |
 * request revision; revision requested -> submit -> in review; approved -> reopen -> draft.
 */
const TRANSITIONS: Record<SceneStatus, Partial<Record<ReviewAction, SceneStatus>>> = {
  draft: { submit: 'in_review' },
  in_review: { approve: 'approved', request_revision: 'revision_requested' },
  revision_requested: { submit: 'in_review' },
  approved: { reopen: 'draft' },
};

/** The status an action leads to, or null when the action is not allowed from `status`. */
export function nextStatus(status: SceneStatus, action: ReviewAction): SceneStatus | null {
  return TRANSITIONS[status][action] ?? null;
}

/** The actions allowed from a status, in the order the Review panel shows them. */
export function allowedActions(status: SceneStatus): ReviewAction[] {
  return Object.keys(TRANSITIONS[status]) as ReviewAction[];
}

const LABELS: Record<SceneStatus, string> = { draft: 'a draft', in_review: 'in review', approved: 'approved', revision_requested: 'waiting for revision' };

export function statusLabel(status: SceneStatus): string {
  return LABELS[status];
}
