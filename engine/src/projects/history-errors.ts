import { StudioError } from '../errors.ts';

/** A commit the project's history does not hold (unknown, ambiguous, or not on its main branch). */
export class CommitNotFoundError extends StudioError {
  override readonly code = 'COMMIT_NOT_FOUND';
  override readonly status = 404;
  constructor(project: string, commit: string) {
    super(`project '${project}' has no commit '${commit}' in its history`, { project, commit });
  }
}
