import { StudioError } from '../errors.ts';

export class GitForbiddenError extends StudioError {
  override readonly code = 'FORBIDDEN';
  override readonly status = 403;
}

export class GitUnauthorizedError extends StudioError {
  override readonly code = 'UNAUTHORIZED';
  override readonly status = 401;
}

/** A request body that is not what the endpoint takes (not JSON, not a batch request). */
export class LfsRequestError extends StudioError {
  override readonly code = 'INVALID_REQUEST';
  override readonly status = 422;
}

export class LfsBodyTooLargeError extends StudioError {
  override readonly code = 'PAYLOAD_TOO_LARGE';
  override readonly status = 413;
}
