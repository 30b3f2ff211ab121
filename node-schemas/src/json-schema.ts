import { z } from 'zod';
import { CanvasFile, Graph, GraphNode } from './graph.ts';
import { NODE_TYPE_IDS, NODE_TYPES } from './node-types.ts';
import { PipelineRequest, PipelineStdoutLine } from './jobs/job-folder.ts';
import { PipelineManifest } from './pipeline-manifest.ts';
import { ProjectManifest } from './project.ts';

/** The graph with each node's data typed by its node type, for tools outside TypeScript. */
function typedGraph() {
  const [first, ...rest] = NODE_TYPE_IDS.map((t) => GraphNode.extend({ type: z.literal(t), data: NODE_TYPES[t].data as z.ZodType }));
  return Graph.extend({ nodes: z.array(z.discriminatedUnion('type', [first!, ...rest])) });
}

/** main_canvas.json as written on disk: the typed graph and its format version. */
function typedCanvasFile() {
  return typedGraph().extend({ format: CanvasFile.shape.format });
}

/** JSON Schema (draft 2020-12) of the files other tools read and write. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    graph: z.toJSONSchema(typedGraph(), { io: 'input' }),
    'canvas-file': z.toJSONSchema(typedCanvasFile(), { io: 'input' }),
    'pipeline-manifest': z.toJSONSchema(PipelineManifest, { io: 'input' }),
    /** The job-folder contract: what the runner writes and what a pipeline prints. */
    'pipeline-request': z.toJSONSchema(PipelineRequest, { io: 'input' }),
    'pipeline-stdout-line': z.toJSONSchema(PipelineStdoutLine, { io: 'input' }),
    project: z.toJSONSchema(ProjectManifest, { io: 'input' }),
  };
}
