import { EventListResponse, ReviewResponse, SceneListResponse, type ReviewAction, type SceneListResponse as SceneList } from '@studio/node-schemas';
import { call } from '$lib/api';

const id = encodeURIComponent;

/** The review routes (docs/governance.md#review), as the Review panel and the scene badges use them. */
export const reviewApi = {
  scenes: (project: string): Promise<SceneList> => call(SceneListResponse, 'GET', `/api/v1/projects/${id(project)}/scenes`),
  review: (project: string, scene: string, action: ReviewAction, note?: string) =>
    call(ReviewResponse, 'POST', `/api/v1/projects/${id(project)}/scenes/${id(scene)}/review`, { action, ...(note ? { note } : {}) }),
  events: (project: string, scene?: string) => call(EventListResponse, 'GET', `/api/v1/projects/${id(project)}/events${scene ? `?scene=${id(scene)}` : ''}`),
  /** A render of an assembler's cut over REST: a draft (half size, watermarked) is allowed whatever the statuses. */
  render: (project: string, assembler: string, options: { draft?: boolean; force?: boolean } = {}) =>
    call<{ task_id: string; reused: boolean; output?: string }>(null, 'POST', `/api/v1/projects/${id(project)}/render`, { assembler, ...options }),
};
