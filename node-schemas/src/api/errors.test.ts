import { describe, expect, it } from 'vitest';
import { ServerMessage } from '../ws-messages.ts';
import { ApiErrorBody, ERROR_CODES, ErrorCode } from './errors.ts';

describe('the error code catalogue', () => {
  it('names each code once, in upper snake case, with what it means', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(meaning.length, code).toBeGreaterThan(10);
    }
    expect(ErrorCode.options).toEqual(Object.keys(ERROR_CODES));
    expect(ErrorCode.enum.STALE_VERSION).toBe('STALE_VERSION');
  });
  it('reads an error body with its data beside the code, and refuses a code outside the catalogue', () => {
    const body = ApiErrorBody.parse({ error: 'version 1 is stale', code: 'STALE_VERSION', current_version: 3 });
    expect(body).toMatchObject({ code: 'STALE_VERSION', current_version: 3 });
    expect(ApiErrorBody.safeParse({ error: 'x', code: 'FST_ERR_BAD_URL' }).success).toBe(true);
    expect(ApiErrorBody.safeParse({ error: 'x', code: 'SOMETHING_ELSE' }).success).toBe(false);
  });
  it('types server:error by the catalogue', () => {
    expect(ServerMessage.safeParse({ type: 'server:error', error: 'malformed JSON', code: 'BAD_JSON' }).success).toBe(true);
    expect(ServerMessage.safeParse({ type: 'server:error', error: 'x', code: 'ENOENT' }).success).toBe(false);
    expect(ServerMessage.safeParse({ type: 'server:error', error: 'x' }).success).toBe(false);
  });
});
