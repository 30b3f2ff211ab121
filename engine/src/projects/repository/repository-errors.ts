import { StudioError } from '../../errors.ts';

/**
 * A project write named a path the repository refuses: absolute, outside the project, through
 * `.git`, through a symlink, or twice in one commit. Nothing was written.
 */
export class RepositoryPathError extends StudioError {
  override readonly code = 'REPOSITORY_PATH_REFUSED';
  override readonly status = 400;
  constructor(path: string, reason: string) {
    super(`refused project path ${JSON.stringify(path.slice(0, 300))}: ${reason}`, { path: path.slice(0, 300), reason });
  }
}

/** A change the repository cannot make as asked (a `from` file missing, a blob not in the store). Nothing was written. */
export class RepositoryChangeError extends StudioError {
  override readonly code = 'REPOSITORY_CHANGE_REFUSED';
  override readonly status = 400;
}

/** Another git process held the project's index (`.git/index.lock`) longer than a commit waits for it. Nothing was written; try again. */
export class RepositoryIndexLockedError extends StudioError {
  override readonly code = 'REPOSITORY_INDEX_LOCKED';
  override readonly status = 503;
  constructor(waitedMs: number) {
    super(`another git process holds the project's index (.git/index.lock) and did not let go within ${waitedMs} ms: nothing was written, try again`, {
      waited_ms: waitedMs,
    });
  }
}
