import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StudioError } from '../errors.ts';

/** Every error becomes `{error, code, ...data}` with the right status; internals stay in the log. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof StudioError) {
    if (error.status >= 500) request.log.error(error);
    return reply.status(error.status).send({ error: error.message, code: error.code, ...error.data });
  }
  const fe = error as FastifyError;
  if (typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : fe.code?.startsWith('FST_ERR_CTP') ? 'INVALID_BODY' : (fe.code ?? 'BAD_REQUEST');
    return reply.status(fe.statusCode).send({ error: fe.message, code });
  }
  request.log.error(error);
  return reply.status(500).send({ error: 'internal error', code: 'INTERNAL' });
}
