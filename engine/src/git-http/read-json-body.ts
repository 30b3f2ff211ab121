import type { Readable } from 'node:stream';
import { LfsBodyTooLargeError, LfsRequestError } from './git-errors.ts';

/** Reads a JSON body of at most `limit` bytes off a stream the route left unparsed. */
export async function readJsonBody(body: Readable, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw new LfsBodyTooLargeError(`the request body is over ${limit} bytes`, { limit });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new LfsRequestError(`the request body is not JSON: ${(error as Error).message}`);
  }
}
