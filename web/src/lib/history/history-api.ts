import { ProjectAnswer, ProjectHistory, RestoredCanvas } from '@studio/node-schemas';
import { call as send } from '$lib/api';

const id = encodeURIComponent;

/** Fork, history and restore (docs/governance.md#fork): what the dashboard and the History panel call. */
export const historyApi = {
  /** A page of the project's commits, newest first, each with its actor and canvas change. */
  page: (project: string, limit: number, skip: number) => send(ProjectHistory, 'GET', `/api/v1/projects/${id(project)}/history?limit=${limit}&skip=${skip}`),
  /** A new project with the history up to `commit` (default: the newest). */
  fork: (project: string, body: { commit?: string; name?: string }) => send(ProjectAnswer, 'POST', `/api/v1/projects/${id(project)}/fork`, body),
  /** Makes the canvas of `commit` the current one, as a new commit. */
  restore: (project: string, commit: string) => send(RestoredCanvas, 'POST', `/api/v1/projects/${id(project)}/restore`, { commit }),
};
