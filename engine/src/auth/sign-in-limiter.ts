/**
 * Failed sign-ins per username and address: after MAX_FAILURES within WINDOW_MS the pair is refused
 * (429) until the oldest failure leaves the window. Per pair, so an attacker elsewhere cannot lock a
 * user out, and a success clears the pair.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;
/** Pairs kept at most; the oldest go first (an attacker cycling names cannot grow memory without bound). */
const MAX_PAIRS = 100_000;

export class SignInLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(
    readonly maxFailures = MAX_FAILURES,
    readonly windowMs = WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  #key(username: string, address: string): string {
    return `${username.toLowerCase()}\n${address}`;
  }

  #recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length) this.#failures.set(key, times);
    else this.#failures.delete(key);
    return times;
  }

  /** Seconds until the pair may try again, or 0 when it may now. */
  retryAfterS(username: string, address: string): number {
    const times = this.#recent(this.#key(username, address));
    if (times.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.maxFailures]! + this.windowMs - this.now()) / 1000));
  }

  fail(username: string, address: string): void {
    const key = this.#key(username, address);
    const times = this.#recent(key);
    this.#failures.delete(key);
    this.#failures.set(key, [...times, this.now()]);
    if (this.#failures.size > MAX_PAIRS) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeed(username: string, address: string): void {
    this.#failures.delete(this.#key(username, address));
  }
}
