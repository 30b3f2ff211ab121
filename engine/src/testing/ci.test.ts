import { describe, expect, it } from 'vitest';
import { isCI } from './ci.ts';

describe('isCI', () => {
  it('treats any non-empty CI other than false or 0 as CI', () => {
    for (const value of ['true', 'TRUE', '1', 'yes', 'woodpecker', ' true ']) expect(isCI({ CI: value }), value).toBe(true);
    for (const value of [undefined, '', ' ', 'false', 'False', '0']) expect(isCI({ CI: value }), String(value)).toBe(false);
  });
});
