import type { Actor, GraphEditOp, GraphNode } from '@studio/node-schemas';
import type { NewEvent } from './event-log.ts';

/** Coalesced CanvasEdited events hold at most this many edits, so a line of the log stays small. */
const MAX_COALESCED_EDITS = 500;

export interface BatchContext {
  actor: Actor | undefined;
  clock: number;
  time: string;
  /** Scene Group node id -> scene, as known before the batch (a removed group is gone from the graph by now). */
  groups: Map<string, string>;
  /** A node of the graph after the batch (looked up only for take events). */
  nodeOf: (id: string) => GraphNode | undefined;
}

/**
 * The events a batch of applied edits means: SceneCreated / SceneRemoved for Scene Groups,
 * TakeSelected (a person changed a node's active take) or TakeGenerated (the engine set a new take
 * active), else one CanvasEdited. The first carries the edits themselves (`replay`), so the log
 * replayed in order rebuilds the graph.
 */
export function eventsOfBatch(edits: readonly GraphEditOp[], ctx: BatchContext): NewEvent[] {
  const actor = ctx.actor ?? null;
  const base = { actor, time: ctx.time };
  const events: NewEvent[] = [];
  for (const edit of edits) {
    if (edit.op === 'add_node' && edit.node.type === 'sceneGroup') {
      const scene = typeof edit.node.data.scene === 'string' ? edit.node.data.scene : 'SCENE_01';
      ctx.groups.set(edit.node.id, scene);
      events.push({ ...base, type: 'SceneCreated', scene, payload: { node: edit.node.id } });
    } else if (edit.op === 'remove_node' && ctx.groups.has(edit.id)) {
      events.push({ ...base, type: 'SceneRemoved', scene: ctx.groups.get(edit.id)!, payload: { node: edit.id } });
      ctx.groups.delete(edit.id);
    } else if (edit.op === 'update_node' && edit.changes.data && 'activeTake' in edit.changes.data) {
      const node = ctx.nodeOf(edit.id);
      const scene = typeof node?.data.scene === 'string' ? node.data.scene : undefined;
      events.push({
        ...base,
        type: ctx.actor ? 'TakeSelected' : 'TakeGenerated',
        ...(scene ? { scene } : {}),
        payload: {
          node: edit.id,
          take: edit.changes.data.activeTake ?? null,
          ...(typeof node?.data.shot === 'string' ? { shot: node.data.shot } : {}),
          ...(node ? { node_type: node.type } : {}),
        },
      });
    } else if (edit.op === 'update_node' && edit.changes.data && typeof edit.changes.data.scene === 'string' && ctx.groups.has(edit.id)) {
      ctx.groups.set(edit.id, edit.changes.data.scene);
    }
  }
  if (!events.length) events.push({ ...base, type: 'CanvasEdited', payload: { ops: countOps(edits) } });
  events[0] = { ...events[0]!, replay: { kind: 'edits', clock: ctx.clock, edits: [...edits] } };
  return events;
}

function countOps(edits: readonly GraphEditOp[]): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const e of edits) ops[e.op] = (ops[e.op] ?? 0) + 1;
  return ops;
}

const sameActor = (a: Actor | null, b: Actor | null) => (a === null ? b === null : b !== null && a.kind === b.kind && a.id === b.id && a.tenant === b.tenant);

/**
 * Folds a lone CanvasEdited into the CanvasEdited before it when both are by the same actor, so a
 * drag is one event, not one per frame. Replaying the joined edits as one batch gives the same graph.
 */
export function coalesce(pending: NewEvent[], next: readonly NewEvent[]): void {
  const last = pending.at(-1);
  const only = next.length === 1 ? next[0]! : null;
  if (
    last?.type === 'CanvasEdited' &&
    only?.type === 'CanvasEdited' &&
    last.replay?.kind === 'edits' &&
    only.replay?.kind === 'edits' &&
    sameActor(last.actor, only.actor) &&
    last.replay.edits.length + only.replay.edits.length <= MAX_COALESCED_EDITS
  ) {
    // In place: the pending events are the log's own, and a drag adds hundreds of batches.
    const ops = last.payload.ops as Record<string, number>;
    for (const [op, n] of Object.entries(only.payload.ops as Record<string, number>)) ops[op] = (ops[op] ?? 0) + n;
    last.time = only.time;
    last.replay.clock = only.replay.clock;
    last.replay.edits.push(...only.replay.edits);
    return;
  }
  pending.push(...next);
}
