/**
 * The `expires_in` handed to the client for a URL valid `lifetimeS`: a little below it, so the
 * client (which also treats an action as expired 5 s early) asks again before S3 would refuse.
 */
export function expiresInFor(lifetimeS: number): number {
  return Math.max(1, lifetimeS - Math.max(1, Math.min(60, Math.ceil(lifetimeS / 10))));
}

/** How long presigned and engine URLs live by default: short, since failed transfers print them. */
export const DEFAULT_LIFETIME_S = 900;
