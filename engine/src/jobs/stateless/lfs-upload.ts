import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { LfsBatchResponse } from '@studio/node-schemas';

const LFS = 'application/vnd.git-lfs+json';

/** A file's LFS oid (its sha256) and size, read once. */
export async function lfsObjectOf(file: string): Promise<{ oid: string; size: number }> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return { oid: hash.digest('hex'), size: (await stat(file)).size };
}

/** The Git LFS pointer file of an object (the spec's three lines). */
export function lfsPointer({ oid, size }: { oid: string; size: number }): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

/**
 * PUTs a file with its Content-Length (S3 takes no chunked upload), streamed; resolves with the
 * status and the start of the answer.
 */
async function putFile(href: string, headers: Record<string, string>, file: string, size: number): Promise<{ status: number; text: string }> {
  const url = new URL(href);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(url, { method: 'PUT', headers: { ...headers, 'content-length': String(size) } });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  await pipeline(createReadStream(file), req);
  const res = await answered;
  let text = '';
  for await (const chunk of res) if (text.length < 300) text += String(chunk);
  return { status: res.statusCode ?? 0, text: text.slice(0, 300) };
}

async function failure(what: string, res: Response): Promise<Error> {
  const text = (await res.text().catch(() => '')).slice(0, 300);
  return new Error(`${what} answered HTTP ${res.status}: ${text}`);
}

/**
 * Sends one object through the project's Git LFS Batch API as git-lfs's pre-push hook would
 * (batch, PUT to the action's href, verify), from inside the worker, without a git-lfs process:
 * one of the per-job costs of a stateless worker. The engine's token goes only to engine URLs;
 * a presigned S3 URL gets only the action's own headers. An object the store has already is not sent.
 */
export async function uploadLfsObject({
  repositoryUrl,
  token,
  file,
  object,
}: {
  /** `<engine>/git/<tenant>/<project>.git` */
  repositoryUrl: string;
  token: string | null;
  file: string;
  object: { oid: string; size: number };
}): Promise<void> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const batch = await fetch(`${repositoryUrl}/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { ...auth, accept: LFS, 'content-type': LFS },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [object], hash_algo: 'sha256' }),
  });
  if (!batch.ok) throw await failure('the LFS batch API', batch);
  const answer = LfsBatchResponse.parse(await batch.json()).objects[0];
  if (!answer) throw new Error('the LFS batch API answered no object');
  if (answer.error) throw new Error(`the LFS batch API refused the object: ${answer.error.code} ${answer.error.message}`);
  const { upload, verify } = answer.actions ?? {};
  if (!upload) return;
  // Bytes go to the action's href with its headers only (a presigned URL must not get the engine's token).
  const header = upload.header ?? {};
  const typed = Object.keys(header).some((k) => k.toLowerCase() === 'content-type');
  const put = await putFile(upload.href, typed ? header : { ...header, 'content-type': 'application/octet-stream' }, file, object.size);
  if (put.status < 200 || put.status >= 300) throw new Error(`the LFS upload answered HTTP ${put.status}: ${put.text}`);
  if (!verify) return;
  const verified = await fetch(verify.href, {
    method: 'POST',
    headers: { accept: LFS, 'content-type': LFS, ...verify.header },
    body: JSON.stringify(object),
  });
  if (!verified.ok) throw await failure('the LFS verify', verified);
}
