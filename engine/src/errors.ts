import type { ErrorCode } from '@studio/node-schemas';

/**
 * Errors as classes with a stable `code`, an HTTP status and data (the isomorphic-git way). The
 * code is one of node-schemas' ERROR_CODES catalogue: a subclass with a code missing there does
 * not compile.
 */
export class StudioError extends Error {
  readonly code: ErrorCode = 'STUDIO_ERROR';
  readonly status: number = 500;
  readonly data: Record<string, unknown>;
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.data = data;
  }
}

export class InvalidRequestError extends StudioError {
  override readonly code = 'INVALID_REQUEST';
  override readonly status = 400;
}

export class InvalidGraphError extends StudioError {
  override readonly code = 'INVALID_GRAPH';
  override readonly status = 400;
}

export class ProjectNotFoundError extends StudioError {
  override readonly code = 'PROJECT_NOT_FOUND';
  override readonly status = 404;
  constructor(id: string) {
    super(`no project '${id}'`, { id });
  }
}

export class StaleVersionError extends StudioError {
  override readonly code = 'STALE_VERSION';
  override readonly status = 409;
  constructor(sent: number, current: number) {
    super(`version ${sent} is stale: the project is at version ${current}`, { sent_version: sent, current_version: current });
  }
}

export class GitOperationError extends StudioError {
  override readonly code = 'GIT_FAILED';
  override readonly status = 500;
}

export class MissingToolError extends StudioError {
  override readonly code = 'MISSING_TOOL';
  override readonly status = 500;
}

export class WorkspaceLockedError extends StudioError {
  override readonly code = 'WORKSPACE_LOCKED';
}
