import { sequenceShots, type Graph } from '@studio/node-schemas';
import type { SceneRecord } from '@studio/node-schemas';
import { SceneNotApprovedError } from './review-errors.ts';
import { sceneRecordOf } from './scene-records.ts';

/** The scenes a cut holds, in running order: the scenes of the shots wired into the assembler. */
export function scenesOfCut(graph: Graph, assemblerId: string): string[] {
  const { shots, missing } = sequenceShots(graph, assemblerId, 24);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const scenes = new Set<string>(shots.map((s) => s.scene));
  for (const m of missing) {
    const scene = byId.get(m.nodeId)?.data.scene;
    if (typeof scene === 'string') scenes.add(scene);
  }
  const num = (s: string) => Number(s.replace(/\D/g, '')) || 0;
  return [...scenes].sort((a, b) => num(a) - num(b));
}

/** The approval gate: a final render of a cut is refused, naming the first scene of it that is not approved. */
export function checkCutApproved(graph: Graph, assemblerId: string, records: Record<string, SceneRecord>): void {
  for (const scene of scenesOfCut(graph, assemblerId)) {
    const { status } = sceneRecordOf(records, scene);
    if (status !== 'approved') throw new SceneNotApprovedError(scene, status);
  }
}
