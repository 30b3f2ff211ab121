import type { SceneStatus, SceneSummary } from '@studio/node-schemas';
import { reviewApi } from './review-api';

/** How each status reads and its badge colour, the same everywhere a status shows. */
export const STATUS_LABELS: Record<SceneStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  revision_requested: 'Revision requested',
};
export const STATUS_COLORS: Record<SceneStatus, string> = {
  draft: '#6b7280',
  in_review: '#d97706',
  approved: '#16a34a',
  revision_requested: '#dc2626',
};

/** Others' review actions show within this long. */
const POLL_MS = 3000;

/**
 * The review statuses of one project's scenes, shared by every component that shows them (the
 * Review panel, each Scene Group's badge, the assembler's running order). Polls while anything
 * uses it; refresh() after an action of one's own shows it at once.
 */
export class SceneStatuses {
  scenes = $state<SceneSummary[]>([]);
  error = $state<string | null>(null);
  #users = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly projectId: string) {}

  statusOf(scene: string): SceneStatus {
    return this.scenes.find((s) => s.scene === scene)?.status ?? 'draft';
  }

  async refresh(): Promise<void> {
    try {
      this.scenes = (await reviewApi.scenes(this.projectId)).scenes;
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Starts polling for a user; the returned function stops it when the last user goes. */
  retain(): () => void {
    this.#users++;
    if (this.#users === 1) {
      void this.refresh();
      this.#timer = setInterval(() => void this.refresh(), POLL_MS);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#users--;
      if (this.#users === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }
}

// Not reactive state: a registry of one object per project, never read in a template.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const byProject = new Map<string, SceneStatuses>();

/** The one SceneStatuses of a project. */
export function sceneStatuses(projectId: string): SceneStatuses {
  let statuses = byProject.get(projectId);
  if (!statuses) byProject.set(projectId, (statuses = new SceneStatuses(projectId)));
  return statuses;
}
