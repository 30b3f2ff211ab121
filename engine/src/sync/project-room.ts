import {
  type Actor,
  applyEdits,
  docFromGraph,
  graphFromDoc,
  type Graph,
  type GraphDoc,
  type GraphEditOp,
  type ProjectManifest,
  type ServerMessage,
  type UpdateProjectRequest,
} from '@studio/node-schemas';
import { StaleVersionError } from '../errors.ts';
import { readCanvas } from '../projects/canvas-file.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { readManifest } from '../projects/manifest-file.ts';
import { persistProject } from '../projects/persist-project.ts';
import { EditJournal, type JournalEntry } from './edit-journal.ts';
import { EditSummary } from './edit-summary.ts';
import { PatchLog } from './patch-log.ts';

/** A connected client, as the room sees it: an id and a way to send it a serialised message. */
export interface RoomClient {
  readonly id: string;
  send(serialized: string): void;
  /** Who is connected: the commits of their edits name them. Absent: the engine's own identity. */
  readonly actor?: Actor;
}

/**
 * A rule a batch of client edits must pass before it is applied (an approved scene refuses edits to
 * its shots): null lets it through, a string is the reason it is refused.
 */
export type EditGuard = (edits: readonly GraphEditOp[], doc: GraphDoc, actor: Actor | undefined) => string | null;

/**
 * Runs in the project's git queue just before each canvas commit; it may write files of its own
 * (the event log) and answers the paths to include in that same commit. A new file must already be
 * staged (`git add`) by the hook: the canvas commit only takes tracked paths.
 */
export type PersistHook = (dir: string) => Promise<string[]>;

/** Hears every batch of edits the room applied, a client's or the engine's, with its actor and clock. */
export type EditListener = (edits: readonly GraphEditOp[], actor: Actor | undefined, serverClock: number) => void;

export interface RoomTiming {
  /** A burst of edits is committed this long after its last edit... */
  debounceMs: number;
  /** ...or at the latest this long after its first, while edits keep coming. */
  maxWaitMs: number;
}

export const DEFAULT_TIMING: RoomTiming = { debounceMs: 600, maxWaitMs: 10_000 };

type EditResult = { ok: true; serverClock: number } | { ok: false; reason: string; serverClock: number };

/**
 * The live state of one project: the graph, an integer server clock that counts every accepted
 * change, the clients connected to it, and the debounced commits of what they change. Changes are
 * applied synchronously in arrival order, so the order the server applies is the order everyone sees.
 */
export class ProjectRoom {
  readonly clients = new Set<RoomClient>();
  readonly #log = new PatchLog();
  readonly #summary = new EditSummary();
  /** The last task state of each node, replayed to a client that (re)connects. */
  readonly #runtime = new Map<string, ServerMessage>();
  /** Per client id, the last batch applied or refused: a reconnecting client resends only later ones. */
  readonly #lastClientClock = new Map<string, number>();
  #unpersisted: JournalEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #dirtySince = 0;
  #persisting: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #guards: EditGuard[] = [];
  readonly #persistHooks: PersistHook[] = [];
  readonly #editListeners: EditListener[] = [];
  /** Who made the changes the next commit holds, first one first. */
  #actors: Actor[] = [];

  private constructor(
    readonly id: string,
    readonly dir: string,
    private manifest: ProjectManifest,
    private doc: GraphDoc,
    private clock: number,
    private readonly journal: EditJournal,
    private readonly queue: GitQueue,
    private readonly timing: RoomTiming,
  ) {}

  static async load({ id, dir, queue, timing = DEFAULT_TIMING }: { id: string; dir: string; queue: GitQueue; timing?: RoomTiming }) {
    return queue.run(id, async () => {
      const [manifest, graph] = await Promise.all([readManifest(dir), readCanvas(dir)]);
      const room = new ProjectRoom(id, dir, manifest, docFromGraph(graph), manifest.version, new EditJournal(dir), queue, timing);
      room.#replay(EditJournal.read(dir));
      return room;
    });
  }

  /** Re-applies journaled changes the last commit does not hold, and commits them. */
  #replay(entries: JournalEntry[]): void {
    const pending = entries.filter((e) => e.c > this.clock);
    for (const entry of pending) {
      if ('e' in entry) {
        if (!applyEdits(this.doc, entry.e).ok) break;
        this.#summary.record(entry.e);
      } else if ('g' in entry) this.doc = docFromGraph(entry.g);
      else this.manifest = { ...this.manifest, ...entry.m };
      this.clock = entry.c;
      this.#unpersisted.push(entry);
    }
    if (pending.length) void this.persistNow(`Recover ${pending.length} journaled changes after an unclean shutdown`);
    else this.journal.rewrite([]);
  }

  get serverClock(): number {
    return this.clock;
  }

  get projectManifest(): ProjectManifest {
    return { ...this.manifest, version: this.clock };
  }

  graph(): Graph {
    return graphFromDoc(this.doc, this.clock);
  }

  fullSync(): ServerMessage {
    return { type: 'server:full_sync', graph: this.graph(), serverClock: this.clock };
  }

  /** What a client that last saw `since` needs: the patches it missed, or null for a full sync. */
  missedSince(since: number | null): ServerMessage[] | null {
    if (since === null) return null;
    const missed = this.#log.since(since, this.clock);
    if (missed === null) return null;
    return missed.map((m) => ({
      type: 'server:graph_patch',
      serverClock: m.clock,
      edits: m.edits,
      ...(m.origin === undefined ? {} : { origin: m.origin }),
      ...(m.clientClock === undefined ? {} : { clientClock: m.clientClock }),
    }));
  }

  broadcast(message: ServerMessage, except?: RoomClient): void {
    const serialized = JSON.stringify(message);
    for (const client of this.clients) if (client !== except) client.send(serialized);
  }

  /** Applies a client's batch atomically; on success every other client gets the patch. */
  lastClientClock(clientId: string): number | null {
    return this.#lastClientClock.get(clientId) ?? null;
  }

  /** The record only moves forward: a batch without a clock, or an older one, must not rewind it. */
  #noteClientClock(clientId: string, clientClock: number | undefined): void {
    if (clientClock === undefined) return;
    const before = this.#lastClientClock.get(clientId);
    if (before !== undefined && before >= clientClock) return;
    this.#lastClientClock.delete(clientId);
    this.#lastClientClock.set(clientId, clientClock);
    if (this.#lastClientClock.size > 10_000) this.#lastClientClock.delete(this.#lastClientClock.keys().next().value!);
  }

  addEditGuard(guard: EditGuard): void {
    this.#guards.push(guard);
  }

  addPersistHook(hook: PersistHook): void {
    this.#persistHooks.push(hook);
  }

  addEditListener(listener: EditListener): void {
    this.#editListeners.push(listener);
  }

  #applied(edits: readonly GraphEditOp[], actor: Actor | undefined, clock: number): void {
    for (const listener of this.#editListeners) listener(edits, actor, clock);
  }

  #noteActor(actor: Actor | undefined): void {
    if (actor && !this.#actors.some((a) => a.kind === actor.kind && a.id === actor.id && a.tenant === actor.tenant)) this.#actors.push(actor);
  }

  applyClientEdits(client: RoomClient, clientClock: number | undefined, edits: GraphEditOp[]): EditResult {
    this.#noteClientClock(client.id, clientClock);
    for (const guard of this.#guards) {
      const reason = guard(edits, this.doc, client.actor);
      if (reason !== null) return { ok: false, reason, serverClock: this.clock };
    }
    const result = applyEdits(this.doc, edits);
    if (!result.ok) return { ok: false, reason: result.reason, serverClock: this.clock };
    const clock = ++this.clock;
    this.#noteActor(client.actor);
    this.#record({ c: clock, e: edits });
    this.#log.push({ clock, kind: 'edits', edits, origin: client.id, ...(clientClock === undefined ? {} : { clientClock }) });
    this.#summary.record(edits);
    this.#applied(edits, client.actor, clock);
    this.broadcast({ type: 'server:graph_patch', serverClock: clock, edits, origin: client.id, ...(clientClock === undefined ? {} : { clientClock }) }, client);
    this.#schedulePersist();
    return { ok: true, serverClock: clock };
  }

  /** Edits the engine itself makes (a new take becomes a shot's active take), sent to every client. */
  applyServerEdits(edits: GraphEditOp[], origin = 'engine', actor?: Actor): boolean {
    const result = applyEdits(this.doc, edits);
    if (!result.ok) return false;
    const clock = ++this.clock;
    this.#record({ c: clock, e: edits });
    this.#log.push({ clock, kind: 'edits', edits, origin });
    this.#summary.record(edits);
    this.#noteActor(actor);
    this.#applied(edits, actor, clock);
    this.broadcast({ type: 'server:graph_patch', serverClock: clock, edits, origin });
    this.#schedulePersist();
    return true;
  }

  /** Sends a task event to every client and remembers it as the node's current state. */
  taskEvent(message: Extract<ServerMessage, { node_id: string }>): void {
    this.#runtime.set(message.node_id, message);
    this.broadcast(message);
  }

  /** The task states a newly connected client needs. */
  runtimeMessages(): ServerMessage[] {
    return [...this.#runtime.values()];
  }

  /** PUT /projects/:id: replaces the whole graph (validated by the caller) when `version` is current, and commits. */
  /** `headline` names the commit (a restore says where from); by default it counts the nodes and edges. */
  async replaceGraph(graph: Graph, version: number, actor?: Actor, headline?: string): Promise<{ version: number }> {
    if (version !== this.clock) throw new StaleVersionError(version, this.clock);
    this.#noteActor(actor);
    this.doc = docFromGraph(graph);
    const clock = ++this.clock;
    this.#record({ c: clock, g: graph });
    this.#log.push({ clock, kind: 'replace' });
    this.broadcast(this.fullSync());
    const { nodes, edges } = graph;
    await this.persistNow(
      headline ?? `Save canvas: ${nodes.length} node${nodes.length === 1 ? '' : 's'}, ${edges.length} edge${edges.length === 1 ? '' : 's'} (version ${clock})`,
    );
    return { version: clock };
  }

  /** PATCH /projects/:id: title, description and settings (parsed by the caller) under the version rule, committed. */
  async updateProject(request: UpdateProjectRequest, actor?: Actor): Promise<ProjectManifest> {
    const { version, ...changes } = request;
    if (version !== this.clock) throw new StaleVersionError(version, this.clock);
    const before = this.manifest;
    const after: ProjectManifest = {
      ...before,
      title: changes.title ?? before.title,
      description: changes.description ?? before.description,
      project_settings: {
        ...before.project_settings,
        aspect_ratio: changes.aspect_ratio ?? before.project_settings.aspect_ratio,
        quality: changes.quality ?? before.project_settings.quality,
        hardware_policy: changes.hardware_policy ?? before.project_settings.hardware_policy,
      },
    };
    if (changes.budget !== undefined) {
      if (changes.budget === null) delete after.budget;
      else after.budget = changes.budget;
    }
    const described = describeManifestChanges(before, after);
    if (!described.length) return this.projectManifest;
    this.manifest = after;
    const clock = ++this.clock;
    this.#noteActor(actor);
    this.#record({
      c: clock,
      m: { title: after.title, description: after.description, project_settings: after.project_settings, budget: after.budget ?? null },
    });
    this.#log.push({ clock, kind: 'project' });
    this.broadcast({ type: 'server:project_updated', project: { id: this.id, ...this.projectManifest }, serverClock: clock });
    await this.persistNow(`Update project: ${described.join(', ')}`);
    return this.projectManifest;
  }

  #record(entry: JournalEntry): void {
    this.journal.append(entry);
    this.#unpersisted.push(entry);
  }

  #schedulePersist(): void {
    const now = Date.now();
    if (this.#timer === null) this.#dirtySince = now;
    else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.timing.debounceMs, this.#dirtySince + this.timing.maxWaitMs - now));
    this.#timer = setTimeout(() => void this.persistNow().catch(() => undefined), delay);
  }

  /** Commits the current state now (in the project's git queue). Resolves once it is committed. */
  persistNow(headline?: string): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const run = this.queue.run(this.id, async () => {
      if (!this.#unpersisted.length) return;
      const clock = this.clock;
      const canvas = this.#summary.empty ? null : `Canvas: ${this.#summary.describe()} (version ${clock})`;
      const message = headline ? (canvas && !headline.startsWith('Save canvas') ? `${headline}; ${canvas}` : headline) : canvas!;
      const manifest = this.projectManifest;
      const graph = this.graph();
      const [author, ...coAuthors] = this.#actors;
      this.#actors = [];
      this.#summary.reset();
      try {
        // One after another: hooks stage files, and two git processes at once fight over the index lock.
        const extraPaths: string[] = [];
        for (const hook of this.#persistHooks) extraPaths.push(...(await hook(this.dir)));
        await persistProject({ dir: this.dir, manifest, graph, message: withCoAuthors(message, coAuthors), actor: author, extraPaths });
      } catch (error) {
        // Nothing is lost: the journal still holds every change. Try again later.
        if (!this.#closed) this.#timer = setTimeout(() => void this.persistNow().catch(() => undefined), this.timing.maxWaitMs);
        throw error;
      }
      this.#unpersisted = this.#unpersisted.filter((e) => e.c > clock);
      this.journal.rewrite(this.#unpersisted);
    });
    this.#persisting = run.catch(() => undefined);
    return run;
  }

  /** Commits what is pending and releases the journal. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.persistNow().catch(() => undefined);
    await this.#persisting;
    this.journal.close();
  }
}

/** Everyone else whose edits the commit holds, as git trailers. */
function withCoAuthors(message: string, coAuthors: readonly Actor[]): string {
  if (!coAuthors.length) return message;
  return `${message}\n\n${coAuthors.map((a) => `Co-authored-by: ${a.name} <${a.kind}.${a.id}@${a.tenant}.studio>`).join('\n')}`;
}

function describeManifestChanges(before: ProjectManifest, after: ProjectManifest): string[] {
  const out: string[] = [];
  if (before.title !== after.title) out.push(`title "${before.title}" -> "${after.title}"`);
  if (before.description !== after.description) out.push('description');
  if ((before.budget ?? null) !== (after.budget ?? null)) out.push(`budget ${before.budget ?? 'none'} -> ${after.budget ?? 'none'}`);
  for (const key of ['quality', 'aspect_ratio', 'hardware_policy'] as const)
    if (before.project_settings[key] !== after.project_settings[key])
      out.push(`${key.replace('_', ' ')} ${before.project_settings[key]} -> ${after.project_settings[key]}`);
  return out;
}
