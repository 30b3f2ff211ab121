import { existsSync } from 'node:fs';
import { LOCAL_ACTOR, type Actor, type GraphEditOp, type ReviewAction, type SceneRecord, type SceneSummary, type StudioEvent } from '@studio/node-schemas';
import type { GitQueue } from '../projects/git-queue.ts';
import { openProjectRepository } from '../projects/repository/open-project-repository.ts';
import type { HeldRepository, ProjectRepository } from '../projects/repository/project-repository.ts';
import type { ProjectRoom } from '../sync/project-room.ts';
import { approvedSceneRefusal } from './approved-scene-guard.ts';
import { coalesce, eventsOfBatch } from './canvas-events.ts';
import { EventLog, type NewEvent } from './event-log.ts';
import { scenesOfGraph } from './graph-scenes.ts';
import { ReviewTransitionError, SceneNotFoundError } from './review-errors.ts';
import { EVENTS_FILE, SCENES_FILE } from './review-paths.ts';
import { readSceneRecordsSync, sceneRecordOf, serializeSceneRecords } from './scene-records.ts';
import { nextStatus } from './scene-status-machine.ts';

const ACTION_EVENT = {
  submit: 'SceneSubmittedForReview',
  approve: 'SceneApproved',
  request_revision: 'RevisionRequested',
  reopen: 'SceneReopened',
} as const satisfies Record<ReviewAction, StudioEvent['type']>;

const ACTION_VERB: Record<ReviewAction, string> = {
  submit: 'submitted',
  approve: 'approved',
  request_revision: 'requested a revision of',
  reopen: 'reopened',
};

const manifestKey = (room: ProjectRoom) => {
  const { version: _version, ...rest } = room.projectManifest;
  return JSON.stringify(rest);
};

/** Each room's review state, once set up: for routes that hold a room but not the review service (PUT, restore). */
const attached = new WeakMap<ProjectRoom, ProjectReview>();

export function reviewOfRoom(room: ProjectRoom): ProjectReview | undefined {
  return attached.get(room);
}

/**
 * One project's review state beside its room: the scene records the edit guard reads, and the
 * event log the room's edits, review actions and renders append to. Set up once per room.
 */
export class ProjectReview {
  records: Record<string, SceneRecord>;
  /** Why scenes.json cannot be read, if it cannot. */
  recordsError: Error | null = null;
  #approved = new Set<string>();
  readonly log: EventLog;
  /** Canvas events heard and not yet written: the next canvas commit's persist hook writes them. */
  #pending: NewEvent[] = [];
  /** The server clock of the last change the log (written or pending) can replay. */
  #lastHeard: number;
  #manifestKey: string;
  readonly #groups = new Map<string, string>();
  /**
   * The batch a client sent, as the edit guard last saw it: guards run only for clients' edits, so
   * the listener tells a person's edit (on loopback, without an actor: the local user) from the engine's.
   */
  #clientBatch: readonly GraphEditOp[] | null = null;

  readonly #repository: ProjectRepository;

  private constructor(
    readonly room: ProjectRoom,
    queue: GitQueue,
  ) {
    this.#repository = openProjectRepository({ id: room.id, dir: room.dir, queue });
    try {
      this.records = readSceneRecordsSync(room.dir);
    } catch (error) {
      // The project still opens; review answers this error until scenes.json is mended (nothing overwrites it).
      this.records = {};
      this.recordsError = error as Error;
    }
    this.#noteRecords();
    this.log = EventLog.open(room.dir);
    this.#lastHeard = this.log.lastReplayClock;
    this.#manifestKey = manifestKey(room);
    const graph = room.graph();
    for (const node of graph.nodes) if (node.type === 'sceneGroup' && typeof node.data.scene === 'string') this.#groups.set(node.id, node.data.scene);
    // A canvas the log cannot rebuild (older than the log, or changed while the engine was down): a baseline first.
    if (room.serverClock > this.#lastHeard) {
      if (graph.nodes.length || graph.edges.length) this.#snapshot(null, room.serverClock, 'baseline');
      this.#lastHeard = room.serverClock;
    }
  }

  static attach(room: ProjectRoom, queue: GitQueue): ProjectReview {
    const existing = attached.get(room);
    if (existing) return existing;
    const review = new ProjectReview(room, queue);
    attached.set(room, review);
    room.addEditGuard((edits, doc) => {
      review.#clientBatch = edits;
      return approvedSceneRefusal(edits, doc, review.#approved);
    });
    room.addEditListener((edits, actor, clock) => review.#heard(edits, actor, clock));
    room.addPersistHook(() => review.#writePending());
    return review;
  }

  #noteRecords(): void {
    this.#approved = new Set(Object.entries(this.records).flatMap(([scene, r]) => (r.status === 'approved' ? [scene] : [])));
  }

  #snapshot(actor: Actor | null, clock: number, reason: string): void {
    const { nodes, edges } = this.room.graph();
    this.#pending.push({
      type: 'CanvasReplaced',
      actor,
      time: new Date().toISOString(),
      payload: { reason, nodes: nodes.length, edges: edges.length },
      replay: { kind: 'graph', clock, nodes, edges },
    });
  }

  /**
   * Ticks of the clock the listener did not hear (a whole-graph replacement, a project update):
   * one tick with project.json changed is a project update and needs no snapshot; anything else is
   * answered with the graph as it is now. True when a snapshot is still owed.
   */
  #catchUp(ticks: number, clock: number): boolean {
    const key = manifestKey(this.room);
    const projectChanged = key !== this.#manifestKey;
    this.#manifestKey = key;
    if (ticks === 1 && projectChanged) {
      this.#pending.push({
        type: 'ProjectUpdated',
        actor: null,
        time: new Date().toISOString(),
        payload: { title: this.room.projectManifest.title },
        replay: { kind: 'edits', clock, edits: [] },
      });
      return false;
    }
    return true;
  }

  #heard(edits: readonly GraphEditOp[], heardActor: Actor | undefined, clock: number): void {
    const fromClient = edits === this.#clientBatch;
    this.#clientBatch = null;
    const actor = heardActor ?? (fromClient ? LOCAL_ACTOR : undefined);
    const missed = clock - 1 - this.#lastHeard;
    const owed = missed > 0 && this.#catchUp(missed, clock - 1);
    const events = eventsOfBatch(edits, {
      actor,
      clock,
      time: new Date().toISOString(),
      groups: this.#groups,
      nodeOf: (id) => this.room.graph().nodes.find((n) => n.id === id),
    });
    if (owed) {
      const { nodes, edges } = this.room.graph();
      events[0] = { ...events[0]!, replay: { kind: 'graph', clock, nodes, edges } };
    }
    coalesce(this.#pending, events);
    this.#lastHeard = clock;
  }

  /** The persist hook: runs just before a canvas commit, and writes what that commit holds. */
  async #writePending(): Promise<string[]> {
    const now = this.room.serverClock;
    if (now > this.#lastHeard) {
      if (this.#catchUp(now - this.#lastHeard, now)) this.#snapshot(null, now, 'replaced');
      this.#lastHeard = now;
    }
    await this.#flush();
    // Also lines an earlier canvas commit failed to take: the log goes with every canvas commit once it exists.
    return existsSync(this.log.path) && !this.log.broken ? [EVENTS_FILE] : [];
  }

  async #flush(): Promise<boolean> {
    const batch = this.#pending;
    if (!batch.length) return false;
    this.#pending = [];
    // An unreadable log is left alone (the canvas still saves): its events are not written.
    if (this.log.broken) return false;
    try {
      await this.log.append(batch);
    } catch (error) {
      this.#pending = [...batch, ...this.#pending];
      throw error;
    }
    return true;
  }

  /** The graph's scenes in running order, with their records. */
  scenes(): SceneSummary[] {
    if (this.recordsError) throw this.recordsError;
    return scenesOfGraph(this.room.graph().nodes).map(({ scene, shots }) => ({ scene, shots, ...sceneRecordOf(this.records, scene) }));
  }

  #scene(scene: string): SceneSummary {
    const found = this.scenes().find((s) => s.scene === scene);
    if (!found) throw new SceneNotFoundError(scene);
    return found;
  }

  /**
   * Writes a scene's new record and its event in one commit authored by the actor (in the project's
   * git queue). Canvas events heard before it are written first, so the log keeps their order.
   */
  async #commitRecord(held: HeldRepository, scene: string, record: SceneRecord, event: NewEvent, message: string, actor: Actor) {
    if (this.recordsError) throw this.recordsError;
    if (this.log.broken) throw this.log.broken;
    const records = { ...this.records, [scene]: record };
    await this.#flush();
    // One commit: a failed one leaves the old records and the log without the event (the repository puts both back).
    const numbered = this.log.number([event]);
    let commit: string | null;
    try {
      commit = await held.commit({
        actor,
        message,
        files: [
          { path: SCENES_FILE, content: serializeSceneRecords(records) },
          { path: EVENTS_FILE, append: numbered.text },
        ],
      });
    } catch (error) {
      numbered.settle(false);
      throw error;
    }
    numbered.settle(true);
    this.records = records;
    this.#noteRecords();
    return { event: numbered.events[0]!, commit: commit ?? '' };
  }

  /** A review action on a scene by a named actor (docs/governance.md#review). */
  review({ scene, action, note, actor }: { scene: string; action: ReviewAction; note?: string; actor: Actor }) {
    return this.#repository.exclusive(async (held) => {
      const current = this.#scene(scene);
      const status = nextStatus(current.status, action);
      if (!status) throw new ReviewTransitionError(scene, current.status, action);
      const time = new Date().toISOString();
      const record: SceneRecord = { status, budget: current.budget, ...(note ? { note } : {}), updated_at: time, updated_by: actor };
      const event: NewEvent = { type: ACTION_EVENT[action], actor, time, scene, payload: { from: current.status, to: status, ...(note ? { note } : {}) } };
      const message = `Review: ${actor.name} ${ACTION_VERB[action]} ${scene}${note ? `: ${note.split('\n')[0]!.slice(0, 120)}` : ''}`;
      const result = await this.#commitRecord(held, scene, record, event, message, actor);
      this.room.broadcast({ type: 'server:notice', level: 'info', message: `${actor.name} ${ACTION_VERB[action]} ${scene}${note ? `: “${note}”` : ''}` });
      return { scene: this.#scene(scene), ...result };
    });
  }

  /** A scene's budget in credits (null: none); the ledger enforces it. */
  setBudget({ scene, budget, actor }: { scene: string; budget: number | null; actor: Actor }) {
    return this.#repository.exclusive(async (held) => {
      const current = this.#scene(scene);
      const { scene: _s, shots: _n, ...record } = current;
      const time = new Date().toISOString();
      const event: NewEvent = { type: 'SceneBudgetSet', actor, time, scene, payload: { from: current.budget, to: budget } };
      const result = await this.#commitRecord(held, scene, { ...record, budget }, event, `Budget of ${scene}: ${budget ?? 'none'} credits`, actor);
      return { scene: this.#scene(scene), ...result };
    });
  }

  /** An event of the engine's own (a render finished), in its own commit. */
  recordEvent(event: NewEvent, message: string) {
    return this.#repository.exclusive(async (held) => {
      if (this.log.broken) return null;
      await this.#flush();
      const numbered = this.log.number([event]);
      try {
        await held.commit({ actor: event.actor ?? undefined, message, files: [{ path: EVENTS_FILE, append: numbered.text }] });
      } catch (error) {
        numbered.settle(false);
        throw error;
      }
      numbered.settle(true);
      return numbered.events[0]!;
    });
  }
}
