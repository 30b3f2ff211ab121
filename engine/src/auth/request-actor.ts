import { LOCAL_ACTOR, type Actor } from '@studio/node-schemas';
import type { FastifyRequest } from 'fastify';

/**
 * Who sent a request. The token gate sets it once it has verified the token (multi-user mode: the
 * JWT's user and tenant); everywhere else, and on the loopback default, it is the local user. Route
 * handlers read it to name the actor of the commits and events they make, and the tenant they serve.
 */
const actors = new WeakMap<FastifyRequest, Actor>();

export function setRequestActor(request: FastifyRequest, actor: Actor): void {
  actors.set(request, actor);
}

export function actorOf(request: FastifyRequest): Actor {
  return actors.get(request) ?? LOCAL_ACTOR;
}
