import { isDeepStrictEqual } from 'node:util';
import type { Graph, GraphEdge, GraphNode, SceneRecord } from '@studio/node-schemas';
import type { ProjectRoom } from '../sync/project-room.ts';
import { sceneOfNode } from './graph-scenes.ts';
import { reviewOfRoom } from './project-review.ts';
import { SceneLockedError } from './review-errors.ts';

/** What a shot is in the film: everything but where it sits on the canvas. */
const substance = (node: GraphNode) => {
  const { position: _p, width: _w, height: _h, zIndex: _z, hidden: _hidden, ...rest } = node;
  return rest;
};

/**
 * The approved-scene rule for a whole-graph replacement (REST PUT, restoring a canvas from history):
 * the approved scenes' shots and their edges must come through unchanged, but for layout. Throws
 * SceneLockedError naming the first scene that would change.
 */
export function checkReplacementKeepsApproved(before: Graph, after: Graph, records: Record<string, SceneRecord>): void {
  const approved = new Set(Object.entries(records).flatMap(([scene, r]) => (r.status === 'approved' ? [scene] : [])));
  if (!approved.size) return;
  const lockedShots = (graph: Graph) => {
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    const shots = new Map<string, { scene: string; node: GraphNode }>();
    for (const node of graph.nodes) {
      if (node.type !== 'shot') continue;
      const scene = sceneOfNode(nodes, node);
      if (scene && approved.has(scene)) shots.set(node.id, { scene, node });
    }
    return shots;
  };
  const edgesOf = (graph: Graph, shots: Map<string, unknown>) =>
    new Map(graph.edges.filter((e) => shots.has(e.source) || shots.has(e.target)).map((e): [string, GraphEdge] => [e.id, e]));
  const was = lockedShots(before);
  const now = lockedShots(after);
  for (const [id, { scene, node }] of was) {
    const next = now.get(id);
    if (!next || !isDeepStrictEqual(substance(node), substance(next.node))) throw new SceneLockedError(scene);
  }
  for (const [id, { scene }] of now) if (!was.has(id)) throw new SceneLockedError(scene);
  const edgesBefore = edgesOf(before, was);
  const edgesAfter = edgesOf(after, now);
  const sceneOfEdge = (e: GraphEdge, shots: Map<string, { scene: string }>) => (shots.get(e.source) ?? shots.get(e.target))!.scene;
  for (const [id, edge] of edgesBefore) if (!isDeepStrictEqual(edge, edgesAfter.get(id))) throw new SceneLockedError(sceneOfEdge(edge, was));
  for (const [id, edge] of edgesAfter) if (!edgesBefore.has(id)) throw new SceneLockedError(sceneOfEdge(edge, now));
}

/** For the PUT route and restore: call before room.replaceGraph(graph, ...); throws SceneLockedError. */
export function checkRoomReplacement(room: ProjectRoom, graph: Graph): void {
  const review = reviewOfRoom(room);
  if (review) checkReplacementKeepsApproved(room.graph(), graph, review.records);
}
