import { applyEdits, docFromGraph, graphFromDoc, type Graph, type GraphEdge, type GraphNode, type StudioEvent } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';

export class ReplayError extends StudioError {
  override readonly code = 'CORRUPT_PROJECT';
  override readonly status = 500;
}

/**
 * The canvas after event `upTo` (all of them when absent), rebuilt from the log alone: from an
 * empty graph, each event's replay in order, a snapshot replacing the graph and a batch of edits
 * applied as the room applied it. Returns the graph and the server clock it stood at.
 */
export function replayCanvas(events: readonly StudioEvent[], upTo = Infinity): { graph: Graph; clock: number } {
  let doc = docFromGraph({ nodes: [], edges: [] });
  let clock = 0;
  for (const event of events) {
    if (event.seq > upTo) break;
    const replay = event.replay;
    if (!replay) continue;
    if (replay.kind === 'graph') doc = docFromGraph({ nodes: replay.nodes as GraphNode[], edges: replay.edges as GraphEdge[] });
    else {
      const result = applyEdits(doc, replay.edits);
      if (!result.ok) throw new ReplayError(`event ${event.seq} does not replay: ${result.reason}`, { seq: event.seq });
    }
    clock = replay.clock;
  }
  return { graph: graphFromDoc(doc), clock };
}
