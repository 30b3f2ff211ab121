import type { ReviewAction, SceneStatus } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { statusLabel } from './scene-status-machine.ts';

export class SceneNotFoundError extends StudioError {
  override readonly code = 'SCENE_NOT_FOUND';
  override readonly status = 404;
  constructor(scene: string) {
    super(`no scene ${scene} in this project: scenes are the Scene Groups and the scenes of its shots`, { scene });
  }
}

export class ReviewTransitionError extends StudioError {
  override readonly code = 'REVIEW_TRANSITION';
  override readonly status = 409;
  constructor(scene: string, status: SceneStatus, action: ReviewAction) {
    super(`cannot ${action.replace('_', ' ')} ${scene}: it is ${statusLabel(status)}`, { scene, status, action });
  }
}

/** A final render of a cut with a scene that is not approved (the approval gate). */
export class SceneNotApprovedError extends StudioError {
  override readonly code = 'SCENE_NOT_APPROVED';
  override readonly status = 409;
  constructor(scene: string, status: SceneStatus) {
    super(`Final render refused: ${scene} is ${statusLabel(status)}, not approved. Approve it in the Review panel, or render a draft.`, { scene, status });
  }
}

/** A whole-graph replacement (PUT, restore) that would change an approved scene's shots. */
export class SceneLockedError extends StudioError {
  override readonly code = 'SCENE_LOCKED';
  override readonly status = 409;
  constructor(scene: string) {
    super(`${scene} is approved: its shots cannot be changed until it is reopened (Review panel, Reopen)`, { scene });
  }
}
