import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';

/** Statuses for codes thrown by libraries that know nothing of HTTP (the EDL reader and writer). */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = { EDL_TIMECODE: 400, EDL_PARSE: 400, EDL_RECORD_ORDER: 400, EDL_WRITE: 400 };

/** Every error becomes `{error, code, ...data}` with the right status; internals stay in the log. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof StudioError) {
    const status = STATUS_BY_CODE[error.code] ?? error.status;
    if (status >= 500) request.log.error(error);
    return reply.status(status).send({ error: error.message, code: error.code, ...error.data });
  }
  const fe = error as FastifyError;
  if (typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    const code =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : fe.code?.startsWith('FST_ERR_CTP') ? 'INVALID_BODY' : (fe.code ?? 'BAD_REQUEST');
    return reply.status(fe.statusCode).send({ error: fe.message, code });
  }
  request.log.error(error);
  return reply.status(500).send({ error: 'internal error', code: 'INTERNAL' });
}
