import { InvalidCredentialsError, TooManyAttemptsError } from './auth-errors.ts';
import { dummyHash, verifyPassword } from './password-hash.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import type { StoredUser, UserStore } from './user-store.ts';

/**
 * Checks a username and password. A user that does not exist costs the same scrypt as a wrong
 * password (against a dummy hash) and answers the same InvalidCredentialsError; failures count
 * per username and address, and past the limit the pair gets TooManyAttemptsError without a check.
 */
export async function signIn({
  users,
  limiter,
  username,
  password,
  address,
}: {
  users: UserStore;
  limiter: SignInLimiter;
  username: string;
  password: string;
  address: string;
}): Promise<StoredUser> {
  const retryAfter = limiter.retryAfterS(username, address);
  if (retryAfter > 0) throw new TooManyAttemptsError(retryAfter);
  const user = users.find(username);
  const matches = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !matches) {
    limiter.fail(username, address);
    throw new InvalidCredentialsError();
  }
  limiter.succeed(username, address);
  return user;
}
