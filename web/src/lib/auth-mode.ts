/**
 * Asks the engine for its auth mode, the raw answer (null when there is none to read). Kept apart
 * from the API client so the layout can ask before that client and the schemas it reads answers
 * with have loaded; `api.authModeOf` reads the answer.
 */
export function requestAuthMode(): Promise<unknown> {
  return fetch('/auth/mode', { credentials: 'same-origin' }).then(
    (res) => (res.ok ? res.json().catch(() => null) : null),
    () => null,
  );
}
