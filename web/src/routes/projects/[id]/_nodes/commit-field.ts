/** Turns an input's raw text into a field value, or null when it is not acceptable. */
export type FieldParser<T> = (raw: string) => T | null;

type InputChange = Event & { currentTarget: HTMLInputElement };

/**
 * A change handler (fires on blur or Enter) that sends the parsed value when it differs from the
 * current one, and puts the current value back into the input when the text is not acceptable.
 */
export function commitOnChange<T>(current: () => T, parse: FieldParser<T>, commit: (value: T) => void) {
  return (event: InputChange) => {
    const input = event.currentTarget;
    const next = parse(input.value);
    if (next === null) {
      input.value = String(current() ?? '');
      return;
    }
    if (next !== current()) commit(next);
  };
}

export function numberIn(min: number, max: number, { exclusiveMin = false } = {}): FieldParser<number> {
  return (raw) => {
    if (raw.trim() === '') return null;
    const value = Number(raw);
    if (!Number.isFinite(value) || value > max) return null;
    return value > min || (!exclusiveMin && value === min) ? value : null;
  };
}

export function textUpTo(maxLength: number, { allowEmpty = true } = {}): FieldParser<string> {
  return (raw) => {
    const value = raw.trim();
    if (value.length > maxLength || (!allowEmpty && value === '')) return null;
    return value;
  };
}

/** Accepts what a zod schema accepts (scene names, timecodes): same rules as the server. */
export function matching(schema: { safeParse(value: unknown): { success: boolean } }): FieldParser<string> {
  return (raw) => {
    const value = raw.trim();
    return schema.safeParse(value).success ? value : null;
  };
}
