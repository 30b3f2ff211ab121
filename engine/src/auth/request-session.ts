import type { FastifyRequest } from 'fastify';
import type { Authenticated } from './auth-service.ts';

/** The verified session of a request in multi-user mode (scopes and expiry beside the actor request-actor.ts keeps). */
const sessions = new WeakMap<FastifyRequest, Authenticated>();

export function setRequestSession(request: FastifyRequest, session: Authenticated): void {
  sessions.set(request, session);
}

export function sessionOf(request: FastifyRequest): Authenticated | null {
  return sessions.get(request) ?? null;
}
