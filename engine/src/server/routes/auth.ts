import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LOCAL_ACTOR, TokenRequest, type AuthModeAnswer, type SessionAnswer, type TokenAnswer } from '@studio/node-schemas';
import { authServiceFor } from '../../auth/auth-service.ts';
import { NoUsersModeError, TooManyAttemptsError } from '../../auth/auth-errors.ts';
import { SESSION_COOKIE } from '../../auth/presented-credentials.ts';
import { sessionOf } from '../../auth/request-session.ts';
import type { StoredUser } from '../../auth/user-store.ts';
import { parseRequest } from '../../parse-request.ts';
import { ALL_TOKEN_SCOPES } from '@studio/node-schemas';
import type { EngineContext } from '../context.ts';

function sessionCookie(request: FastifyRequest, value: string, maxAgeS: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure}`;
}

/**
 * Sign-in for multi-user mode (docs/users-and-tenants.md): POST /auth/token answers a bearer JWT
 * (spec table 5); POST /auth/session does the same check and keeps the token in an HttpOnly cookie
 * for the web app; DELETE /auth/session signs that token out; GET /auth/mode is open so the web app knows
 * whether to ask; GET /api/v1/auth/session (behind the gate) says who is signed in.
 */
export async function authRoutes(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  const users = ctx.settings.auth === 'users';
  const service = () => {
    if (!users) throw new NoUsersModeError();
    return authServiceFor(ctx);
  };

  const checkCredentials = async (request: FastifyRequest, reply: FastifyReply): Promise<StoredUser> => {
    const { username, password } = parseRequest(TokenRequest, request.body ?? {});
    try {
      return await service().signIn({ username, password, address: request.ip });
    } catch (error) {
      if (error instanceof TooManyAttemptsError) reply.header('retry-after', String(error.data.retry_after_s));
      throw error;
    }
  };

  app.get('/auth/mode', async (): Promise<AuthModeAnswer> => ({ mode: ctx.settings.auth }));

  app.post('/auth/token', async (request, reply): Promise<TokenAnswer> => {
    const user = await checkCredentials(request, reply);
    const { token, expiresIn } = await service().issueToken(user);
    reply.header('cache-control', 'no-store');
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn };
  });

  app.post('/auth/session', async (request, reply): Promise<SessionAnswer> => {
    const user = await checkCredentials(request, reply);
    const { token, expiresIn, expiresAt } = await service().issueToken(user);
    reply.header('cache-control', 'no-store').header('set-cookie', sessionCookie(request, token, expiresIn));
    return {
      mode: 'users',
      actor: { kind: 'user', id: user.username, name: user.username, tenant: user.tenant },
      scopes: user.scopes,
      expires_at: new Date(expiresAt * 1000).toISOString(),
    };
  });

  // Signs out: the token sent (the cookie, or a bearer) is refused from now on, and the cookie is cleared.
  app.delete('/auth/session', async (request, reply) => {
    if (users) await authServiceFor(ctx).revokePresented({ headers: request.headers, url: request.url });
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/session', async (request): Promise<SessionAnswer> => {
    const session = sessionOf(request);
    if (!session) return { mode: ctx.settings.auth, actor: LOCAL_ACTOR, scopes: [...ALL_TOKEN_SCOPES], expires_at: null };
    return { mode: 'users', actor: session.actor, scopes: session.scopes, expires_at: new Date(session.expiresAt * 1000).toISOString() };
  });
}
