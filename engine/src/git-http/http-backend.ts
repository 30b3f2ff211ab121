import { spawn } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { GitOperationError } from '../errors.ts';
import { readCgiHead, type CgiHead } from './cgi-response.ts';
import { gitProtocolOf } from './git-protocol.ts';

/** The smart-HTTP endpoints of one repository; the dumb protocol's files are not served. */
export type SmartEndpoint = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

const HOOKS_DIR = fileURLToPath(new URL('./hooks', import.meta.url));
const MAX_STDERR = 64 * 1024;

export interface HttpBackendCall {
  /** The folder holding the project folders (each a working repository with its .git). */
  projectsDir: string;
  projectId: string;
  endpoint: SmartEndpoint;
  method: string;
  query: string;
  headers: IncomingHttpHeaders;
  /** The request body (POST), streamed into git as it arrives. */
  body: Readable | null;
  /** Who pushes; null: the caller may only fetch (receive-pack is refused). */
  writer: string | null;
  remoteAddr: string;
  path: string;
  home: string;
}

/**
 * Settings for this one run, through git's GIT_CONFIG_* environment rather than each repository's
 * config: partial clones, receive-pack only for a writer, and the pre-receive hook that keeps main
 * the engine's (the working repositories refuse a push to their checked-out branch anyway).
 */
function configEnv(writer: string | null, deltaSearch: boolean): Record<string, string> {
  const pairs: [string, string][] = [
    ...(deltaSearch ? [] : [['pack.window', '0'] as [string, string]]),
    ['uploadpack.allowFilter', 'true'],
    ['uploadpack.allowAnySHA1InWant', 'true'],
    ['http.receivepack', writer ? 'true' : 'false'],
    ['http.uploadpack', 'true'],
    ['core.hooksPath', HOOKS_DIR],
    ['receive.denyCurrentBranch', 'refuse'],
    ['receive.denyDeleteCurrent', 'refuse'],
    ['receive.autogc', 'false'],
    // A pushed object that is not well-formed is refused before it lands beside the engine's.
    ['receive.fsckObjects', 'true'],
  ];
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Sent by a stateless job's shallow partial clone (job-checkout.ts): its pack is packed without a
 * delta search. Such a clone of a project with 10,000 take folders is commits and trees only, and
 * comparing 10,000 trees for deltas was most of its time (clone + pull 172 -> 139 ms, against 103
 * -> 112 ms for 10 takes, quiet machine). Everyone else keeps the search: a full clone of loose
 * canvas history needs its deltas. The header only changes how the asker's own answer is packed.
 */
export const SHALLOW_JOB_HEADER = 'x-studio-pack';
export const SHALLOW_JOB_VALUE = 'shallow-job';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Runs `git http-backend` as a CGI for one request: the body streams into it (git inflates a
 * gzipped one itself; a chunked one has no CONTENT_LENGTH) and its answer streams back. Resolves
 * once git has written its headers; `kill` stops it when the client goes away.
 */
export async function runHttpBackend(call: HttpBackendCall): Promise<CgiHead & { kill: () => void }> {
  const env: Record<string, string> = {
    PATH: call.path,
    HOME: call.home,
    GIT_PROJECT_ROOT: call.projectsDir,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${call.projectId}/${call.endpoint}`,
    REQUEST_METHOD: call.method,
    QUERY_STRING: call.query,
    REMOTE_ADDR: call.remoteAddr,
    GATEWAY_INTERFACE: 'CGI/1.1',
    ...configEnv(call.writer, header(call.headers, SHALLOW_JOB_HEADER) !== SHALLOW_JOB_VALUE),
  };
  const contentType = header(call.headers, 'content-type');
  if (contentType) env.CONTENT_TYPE = contentType;
  const contentLength = header(call.headers, 'content-length');
  if (contentLength && /^\d+$/.test(contentLength)) env.CONTENT_LENGTH = contentLength;
  const encoding = header(call.headers, 'content-encoding');
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = gitProtocolOf(call.headers['git-protocol']);
  if (protocol) env.GIT_PROTOCOL = protocol;
  if (call.writer) env.REMOTE_USER = call.writer;

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
  });
  // git may stop reading early (it refused the request); the rest of the body is not an error.
  child.stdin.on('error', () => undefined);
  if (call.body) call.body.pipe(child.stdin);
  else child.stdin.end();
  const spawned = new Promise<never>((_, reject) => child.once('error', reject));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const head = await Promise.race([readCgiHead(child.stdout), spawned]);
    return { ...head, kill };
  } catch (error) {
    kill();
    await new Promise((r) => setTimeout(r, 20));
    throw new GitOperationError(`git http-backend failed: ${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
}
