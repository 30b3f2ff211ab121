/**
 * A knob of the soak runs (`npm run soak` sets SOAK_*; the ordinary suite uses the fallbacks). Read
 * here, among the test helpers, so tests themselves never read process.env. A value that is not a
 * positive whole number is refused with its name.
 */
export function soakKnob(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive whole number, got '${text}'`);
  return Number(text);
}
