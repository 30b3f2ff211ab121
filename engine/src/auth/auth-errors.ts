import { StudioError } from '../errors.ts';

/** Wrong username or password: the same answer whether or not the user exists. */
export class InvalidCredentialsError extends StudioError {
  override readonly code = 'INVALID_CREDENTIALS';
  override readonly status = 401;
  constructor() {
    super('the username or password is wrong');
  }
}

/** Too many failed sign-ins for one username from one address. */
export class TooManyAttemptsError extends StudioError {
  override readonly code = 'TOO_MANY_ATTEMPTS';
  override readonly status = 429;
  constructor(retryAfterS: number) {
    super(`too many failed sign-ins for this user from this address: try again in ${retryAfterS} s`, { retry_after_s: retryAfterS });
  }
}

/** No token, or one that is not ours (bad signature, unknown kid, malformed). */
export class UnauthorizedError extends StudioError {
  override readonly code = 'UNAUTHORIZED';
  override readonly status = 401;
  constructor(message = 'a token is required: sign in (POST /auth/token) and send it as Authorization: Bearer <token>') {
    super(message);
  }
}

export class TokenExpiredError extends StudioError {
  override readonly code = 'TOKEN_EXPIRED';
  override readonly status = 401;
  constructor() {
    super('the token has expired: sign in again');
  }
}

/** A valid token whose scopes do not cover the request (a read-only user writing). */
export class ForbiddenError extends StudioError {
  override readonly code = 'FORBIDDEN';
  override readonly status = 403;
}

export class UserExistsError extends StudioError {
  override readonly code = 'USER_EXISTS';
  override readonly status = 409;
  constructor(username: string) {
    super(`a user named '${username}' already exists`, { username });
  }
}

/** Only the CLI meets it (passwd, remove). */
export class UserNotFoundError extends StudioError {
  override readonly code = 'USER_NOT_FOUND';
  override readonly status = 404;
  constructor(username: string) {
    super(`no user named '${username}'`, { username });
  }
}

/** The engine runs without users (STUDIO_AUTH=none): there is nothing to sign in to. */
export class NoUsersModeError extends StudioError {
  override readonly code = 'INVALID_REQUEST';
  override readonly status = 400;
  constructor() {
    super('this engine runs without users (STUDIO_AUTH=none): no sign-in is needed');
  }
}
