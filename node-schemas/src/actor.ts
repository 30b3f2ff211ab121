import { z } from 'zod';

/**
 * Who did something: a signed-in user (multi-user mode), the local user (the loopback default), or a
 * worker acting for one job. Every commit names its actor as the git author (DESIGN.md section 14).
 */
export const Actor = z.object({
  kind: z.enum(['local', 'user', 'worker']),
  /** A user name, `local`, or a worker's name. */
  id: z.string().min(1).max(200),
  /** Shown in the History panel and the event log. */
  name: z.string().min(1).max(200),
  /** The tenant the actor acts in; `local` on the loopback default. */
  tenant: z.string().min(1).max(64),
  /** For a worker: the job it acts for. */
  job: z.string().max(200).optional(),
});
export type Actor = z.infer<typeof Actor>;

export const LOCAL_TENANT = 'local';
export const LOCAL_ACTOR: Actor = { kind: 'local', id: 'local', name: 'Local user', tenant: LOCAL_TENANT };

/** The git author line of an actor: `name <kind.id@tenant.studio>`; actorFromAuthor reads it back. */
export function actorAuthor(actor: Actor): { name: string; email: string } {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return { name: actor.name.replace(/[<>\n]/g, ''), email: `${actor.kind}.${safe(actor.id)}@${safe(actor.tenant)}.studio` };
}

/** The actor a commit's author names, or null for commits not made by the studio (a git client's push). */
export function actorFromAuthor(name: string, email: string): Actor | null {
  const m = /^(local|user|worker)\.([A-Za-z0-9._-]+)@([A-Za-z0-9._-]+)\.studio$/.exec(email);
  if (!m) return null;
  return { kind: m[1] as Actor['kind'], id: m[2]!, name: name || m[2]!, tenant: m[3]! };
}
