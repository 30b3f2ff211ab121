/**
 * Whether this run is CI, where a missing tool fails a test instead of skipping it. CI services set
 * CI to `true`, `1` or their own name; only empty, `false` and `0` mean "not CI".
 */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return Boolean(value) && value !== 'false' && value !== '0';
}
