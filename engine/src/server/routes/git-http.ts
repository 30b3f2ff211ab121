import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LFS_MEDIA_TYPE, LfsBatchRequest, LfsObjectSpec } from '@studio/node-schemas';
import { actorOf } from '../../auth/request-actor.ts';
import { sessionOf } from '../../auth/request-session.ts';
import { StudioError } from '../../errors.ts';
import { isWriter, presentsStartupToken, remoteUserOf } from '../../git-http/git-access.ts';
import { GitForbiddenError, GitUnauthorizedError, LfsRequestError } from '../../git-http/git-errors.ts';
import { runHttpBackend, type SmartEndpoint } from '../../git-http/http-backend.ts';
import { answerBatch } from '../../git-http/lfs-batch.ts';
import { DEFAULT_LIFETIME_S } from '../../git-http/lfs-expiry.ts';
import { projectBlobs } from '../../git-http/project-blobs.ts';
import { readJsonBody } from '../../git-http/read-json-body.ts';
import { resolveRepo, type RepoTarget } from '../../git-http/repo-target.ts';
import { localObjectSize } from '../../storage/filesystem-blob-store.ts';
import { isOid } from '../../storage/oid.ts';
import { connectS3, type S3Connection } from '../../storage/s3-connection.ts';
import type { EngineContext } from '../context.ts';

export interface GitHttpOptions {
  /** Lifetime of presigned S3 URLs and engine object URLs, in seconds (tests make it short). */
  lifetimeS?: number;
  /** An S3 connection to use instead of one made from ctx.settings.s3. */
  s3?: S3Connection | null;
}

type RepoParams = { tenant: string; repo: string };
type ObjectParams = RepoParams & { oid: string };

const REALM = 'Basic realm="Studio", charset="UTF-8"';
const BATCH_LIMIT = 16 * 1024 * 1024;

function statusOf(error: unknown): number {
  return error instanceof StudioError ? error.status : 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An answer sent before the body was read whole: close the connection rather than read the rest (or hang on it). */
function closeIfUnread(reply: FastifyReply): void {
  if (!reply.request.raw.complete) reply.header('connection', 'close');
}

/** git prints a text/plain error body as `remote: ...` lines. */
function sendGitError(reply: FastifyReply, error: unknown): FastifyReply {
  closeIfUnread(reply);
  return reply
    .status(statusOf(error))
    .type('text/plain; charset=utf-8')
    .send(`${messageOf(error)}\n`);
}

/** A whole-request error of the Batch API: `{message}`; the client retries 5xx (S3 down). */
function sendLfsError(reply: FastifyReply, error: unknown): FastifyReply {
  const status = statusOf(error);
  closeIfUnread(reply);
  if (status === 503) reply.header('retry-after', '5');
  return reply
    .status(status)
    .type(LFS_MEDIA_TYPE)
    .send({ message: messageOf(error) });
}

function sendLfs(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(LFS_MEDIA_TYPE).send(body);
}

/** `<scheme>://<host>/git/<tenant>/<repo>/info/lfs` as this client reached the engine. */
function lfsHrefOf(request: FastifyRequest, { tenant, repo }: RepoParams): string {
  return `${request.protocol}://${request.host}/git/${encodeURIComponent(tenant)}/${encodeURIComponent(repo)}/info/lfs`;
}

/** Engine URLs carry the request's own credentials: `authenticated: true` stops the client from asking for them. */
function engineHeaderOf(request: FastifyRequest): Record<string, string> {
  const auth = request.headers.authorization;
  return typeof auth === 'string' ? { Authorization: auth } : {};
}

function requireWriter(request: FastifyRequest): void {
  const actor = actorOf(request);
  if (!isWriter(actor, sessionOf(request))) throw new GitForbiddenError(`${actor.name} may not push to this project`, { actor: actor.id });
}

/** Project repositories over git smart HTTP and the Git LFS Batch API (issue 14, docs/git-and-lfs-over-http.md). */
export async function gitHttpRoutes(app: FastifyInstance, ctx: EngineContext, options: GitHttpOptions = {}): Promise<void> {
  const s3 = options.s3 !== undefined ? options.s3 : ctx.settings.s3 ? connectS3(ctx.settings.s3) : null;
  const lifetimeS = options.lifetimeS ?? DEFAULT_LIFETIME_S;
  const target = (request: FastifyRequest): Promise<RepoTarget> => resolveRepo(ctx.workspace, request.params as RepoParams, actorOf(request));

  await app.register(async (scope) => {
    // Bodies stream to git and to the object store as they come: no parser, so no body limit cuts a push.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    // A 401 (from here or the token gate) tells git and git-lfs to send Basic credentials.
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode === 401) reply.header('www-authenticate', REALM).header('lfs-authenticate', REALM);
      return payload;
    });
    scope.addHook('onRequest', async (request, reply) => {
      const lfs = request.url.includes('/info/lfs/');
      const refuse = (message: string) =>
        lfs ? sendLfsError(reply, new GitUnauthorizedError(message)) : sendGitError(reply, new GitUnauthorizedError(message));
      if (ctx.settings.auth === 'users') {
        if (actorOf(request).kind === 'local') return refuse('sign in: send a token from POST /auth/token as the password (HTTP Basic)');
        // A stateless worker's job token was checked by the gate (its one repository, while its job runs).
      } else if (ctx.token !== null && actorOf(request).kind !== 'worker' && !presentsStartupToken(request.headers, request.url, ctx.token)) {
        return refuse('a startup token is required: use it as the password (http://studio:<token>@host/git/...)');
      }
    });

    const smart = (endpoint: SmartEndpoint) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const repo = await target(request);
        const service = endpoint === 'info/refs' ? new URLSearchParams(request.url.split('?')[1] ?? '').get('service') : endpoint;
        if (service !== 'git-upload-pack' && service !== 'git-receive-pack')
          return sendGitError(reply, new LfsRequestError('only the smart protocol is served: ?service=git-upload-pack or git-receive-pack'));
        const writes = service === 'git-receive-pack';
        if (writes) requireWriter(request);
        const answer = await runHttpBackend({
          projectsDir: ctx.workspace.projectsDir,
          projectId: repo.projectId,
          endpoint,
          method: request.method,
          query: request.url.split('?')[1] ?? '',
          headers: request.headers,
          body: request.method === 'POST' ? request.raw : null,
          writer: writes ? remoteUserOf(actorOf(request)) : null,
          remoteAddr: request.ip,
          path: ctx.settings.path,
          home: ctx.settings.home,
        });
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) answer.kill();
        });
        // git may answer without reading the whole body (a refused push): end the connection, do not wait on the rest.
        reply.raw.once('finish', () => {
          if (!request.raw.complete) request.raw.socket?.end();
        });
        return reply.status(answer.status).headers(answer.headers).send(answer.body);
      } catch (error) {
        return sendGitError(reply, error);
      }
    };
    scope.get('/git/:tenant/:repo/info/refs', smart('info/refs'));
    scope.post('/git/:tenant/:repo/git-upload-pack', smart('git-upload-pack'));
    scope.post('/git/:tenant/:repo/git-receive-pack', smart('git-receive-pack'));

    const blobsOf = (request: FastifyRequest, repo: RepoTarget) =>
      projectBlobs({ target: repo, s3, lfsHref: lfsHrefOf(request, request.params as RepoParams), engineHeader: engineHeaderOf(request) });

    scope.post('/git/:tenant/:repo/info/lfs/objects/batch', async (request, reply) => {
      try {
        const repo = await target(request);
        const parsed = LfsBatchRequest.safeParse(await readJsonBody(request.raw, BATCH_LIMIT));
        if (!parsed.success) throw new LfsRequestError(`not a batch request: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
        if (parsed.data.transfers && !parsed.data.transfers.includes('basic')) throw new LfsRequestError('only the basic transfer is offered');
        if (parsed.data.operation === 'upload') requireWriter(request);
        return sendLfs(reply, 200, await answerBatch({ request: parsed.data, stores: blobsOf(request, repo).batch, lifetimeS }));
      } catch (error) {
        return sendLfsError(reply, error);
      }
    });

    scope.post('/git/:tenant/:repo/info/lfs/verify', async (request, reply) => {
      try {
        const repo = await target(request);
        requireWriter(request);
        const parsed = LfsObjectSpec.safeParse(await readJsonBody(request.raw, 64 * 1024));
        if (!parsed.success) throw new LfsRequestError('a verify request is {oid, size}');
        const stored = await blobsOf(request, repo).batch.remote.size(parsed.data.oid);
        if (stored === null) return sendLfs(reply, 404, { message: `object ${parsed.data.oid} was not stored` });
        if (stored !== parsed.data.size)
          return sendLfs(reply, 422, { message: `object ${parsed.data.oid} is stored with ${stored} bytes, not ${parsed.data.size}` });
        return sendLfs(reply, 200, {});
      } catch (error) {
        return sendLfsError(reply, error);
      }
    });

    // The engine's own object URLs, handed out when there is no S3: the project's .git/lfs/objects.
    scope.get('/git/:tenant/:repo/info/lfs/objects/:oid', async (request, reply) => {
      try {
        const repo = await target(request);
        const { oid } = request.params as ObjectParams;
        if (!isOid(oid)) return sendLfs(reply, 404, { message: `'${oid}' is not an object id` });
        const size = await localObjectSize(repo.dir, oid);
        if (size === null) return sendLfs(reply, 404, { message: `object ${oid} is not in the store` });
        const body = await blobsOf(request, repo).own.get(oid);
        return reply.status(200).type('application/octet-stream').header('content-length', String(size)).send(body);
      } catch (error) {
        return sendLfsError(reply, error);
      }
    });
    scope.put('/git/:tenant/:repo/info/lfs/objects/:oid', async (request, reply) => {
      try {
        const repo = await target(request);
        requireWriter(request);
        const { oid } = request.params as ObjectParams;
        if (!isOid(oid)) throw new LfsRequestError(`'${oid}' is not an object id`);
        const length = request.headers['content-length'];
        if (!length || !/^\d+$/.test(length)) return sendLfs(reply, 411, { message: 'an object upload needs its Content-Length' });
        await blobsOf(request, repo).own.put({ oid, size: Number(length), body: request.raw });
        return sendLfs(reply, 200, {});
      } catch (error) {
        return sendLfsError(reply, error);
      }
    });

    // No file locking: 501 turns the client's lock checks off quietly (a 404 would print a warning).
    const noLocks = async (_request: FastifyRequest, reply: FastifyReply) => sendLfs(reply, 501, { message: 'file locking is not offered' });
    scope.post('/git/:tenant/:repo/info/lfs/locks/verify', noLocks);
    scope.get('/git/:tenant/:repo/info/lfs/locks', noLocks);
    scope.post('/git/:tenant/:repo/info/lfs/locks', noLocks);
  });
}
