import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../errors.ts';
import { UploadAbortedError, UploadTooLargeError } from './asset-errors.ts';
import { HashingFileSink } from './hashing-file-sink.ts';

export interface ReceivedFile {
  /** Where the bytes are, in a scratch folder the caller owns (and must remove). */
  temp: string;
  /** The name the client gave, for messages only: never used as a path. */
  originalName: string;
  size: number;
  /** Of the bytes as they were written (hex), taken while they streamed in; absent for a file made another way (a zip's entry). */
  sha256?: string;
}

/** A client's file name made safe to show: no path, no control characters, at most 200 characters. */
export function displayName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'upload';
}

/**
 * Streams every file part of a multipart request to disk (never whole in memory), each to a fresh
 * scratch path, hashing the bytes on their way. Over the size cap, an aborted connection, or a request without files: every file
 * written so far is removed and a 4xx says why.
 */
export async function receiveFiles(
  request: FastifyRequest,
  nextTemp: () => Promise<string>,
  { maxBytes, maxFiles }: { maxBytes: number; maxFiles: number },
): Promise<ReceivedFile[]> {
  if (!request.isMultipart()) throw new InvalidRequestError('send the files as multipart/form-data');
  const files: ReceivedFile[] = [];
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: maxFiles, fields: 20, parts: maxFiles + 20 } })) {
      if (part.type !== 'file') continue;
      const temp = await nextTemp();
      files.push({ temp, originalName: displayName(part.filename), size: 0 });
      const sink = new HashingFileSink(temp);
      await pipeline(part.file, sink);
      if (part.file.truncated)
        throw new UploadTooLargeError(`${displayName(part.filename)} is over the ${maxBytes} byte limit`, {
          file: displayName(part.filename),
          limit: maxBytes,
        });
      Object.assign(files[files.length - 1]!, { size: sink.size, sha256: sink.sha256 });
    }
  } catch (error) {
    for (const f of files) await rm(f.temp, { force: true });
    const code = (error as { code?: string }).code;
    if (error instanceof UploadTooLargeError) throw error;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new UploadTooLargeError(`a file is over the ${maxBytes} byte limit`, { limit: maxBytes });
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') throw new InvalidRequestError(`at most ${maxFiles} files per request`, { limit: maxFiles });
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || code === 'FST_NO_FORM_DATA') throw new InvalidRequestError('send the files as multipart/form-data');
    if (request.raw.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || /aborted|Unexpected end/i.test((error as Error).message))
      throw new UploadAbortedError('the upload was interrupted before it finished: nothing was kept');
    if ((error as { statusCode?: number }).statusCode && (error as { statusCode: number }).statusCode < 500)
      throw new InvalidRequestError((error as Error).message);
    throw error;
  }
  if (!files.length) throw new InvalidRequestError('no file in the request: send at least one file part');
  return files;
}
