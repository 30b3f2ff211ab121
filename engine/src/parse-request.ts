import type { z } from 'zod';
import { InvalidRequestError } from './errors.ts';

/** Parses untrusted input, or throws InvalidRequestError naming the first field at fault. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new InvalidRequestError(`${field || 'request'}: ${issue.message}`, { field });
}
