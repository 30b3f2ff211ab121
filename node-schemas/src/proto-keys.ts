/**
 * The path of the first `__proto__` key in parsed JSON, or null. JSON.parse keeps such a key as an
 * ordinary property, but every object spread, record or schema that copies by assignment drops it
 * silently: refusing it is the only way client and server keep the same data.
 */
export function findProtoKey(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [item, path] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    for (const key of Object.keys(item)) {
      const at = path ? `${path}.${key}` : key;
      if (key === '__proto__') return at;
      stack.push([(item as Record<string, unknown>)[key], at]);
    }
  }
  return null;
}
