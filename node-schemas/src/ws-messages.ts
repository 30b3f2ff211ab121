import { z } from 'zod';
import { Graph, GraphEdge, GraphNode } from './graph.ts';
import { ErrorCode } from './api/errors.ts';
import { ElementId } from './ids.ts';

/** Bumped whenever a message changes shape; the handshake refuses a mismatch. */
export const PROTOCOL_VERSION = 1;

/** The most a client message may weigh, in bytes; the server closes nothing for more, it refuses it. */
export const MAX_CLIENT_MESSAGE_BYTES = 1_000_000;

/** Fields an update may change; `parentId: null` takes a node out of its scene group. */
export const NodeChanges = GraphNode.omit({ id: true, type: true }).partial().extend({ parentId: ElementId.nullable().optional() }).strict();
export type NodeChanges = z.infer<typeof NodeChanges>;

export const GraphEditOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add_node'), node: GraphNode }).strict(),
  z.object({ op: z.literal('update_node'), id: ElementId, changes: NodeChanges }).strict(),
  z.object({ op: z.literal('remove_node'), id: ElementId }).strict(),
  z.object({ op: z.literal('add_edge'), edge: GraphEdge }).strict(),
  z.object({ op: z.literal('remove_edge'), id: ElementId }).strict(),
]);
export type GraphEditOp = z.infer<typeof GraphEditOp>;

const ClientClock = z.int().min(0);
const ServerClock = z.int().min(0);

/*
 * Handshake: the client opens /ws/:projectId?protocol=<PROTOCOL_VERSION>&client=<clientId>&since=<lastServerClock>
 * and the server answers server:welcome, then what the client missed (graph patches) or a full sync.
 */
export const ClientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'client id must be 8-64 url-safe characters');

// Client -> server
export const ClientGraphEdit = z
  .object({ type: z.literal('client:graph_edit'), clientClock: ClientClock, edits: z.array(GraphEditOp).min(1).max(500) })
  .strict();
export const ClientUpdateNodeData = z
  .object({
    type: z.literal('client:update_node_data'),
    clientClock: ClientClock.optional(),
    node_id: ElementId,
    data: z.record(z.string(), z.unknown()),
  })
  .strict();
export const ClientStartGeneration = z
  .object({
    type: z.literal('client:start_generation'),
    node_id: ElementId,
    idempotency_key: z.string().max(128).optional(),
    /** Overrides the project's hardware policy for this job (docs/pipeline-contract.md#hardware-policy). */
    policy: z.enum(['queue', 'fallback']).optional(),
    /** Run again even when an earlier result has the same inputs and parameters (docs/governance.md#reuse). */
    force: z.boolean().optional(),
  })
  .strict();
export const ClientCancelGeneration = z
  .object({ type: z.literal('client:cancel_generation'), node_id: ElementId, task_id: z.string().max(128).optional() })
  .strict();
export const ClientRenderFinalSequence = z
  .object({
    type: z.literal('client:render_final_sequence'),
    node_id: ElementId,
    backend: z.enum(['ffmpeg', 'editly']).optional(),
    /** A draft render: lower resolution, watermarked DRAFT, allowed whatever the scenes' review status (docs/governance.md#review). */
    draft: z.boolean().optional(),
    /** Render again even when the same cut was rendered before (docs/governance.md#reuse). */
    force: z.boolean().optional(),
  })
  .strict();
export const ClientSyncRequest = z.object({ type: z.literal('client:sync_request'), lastServerClock: ServerClock.nullable().optional() }).strict();
export const ClientPing = z.object({ type: z.literal('client:ping'), t: z.number() }).strict();

export const ClientMessage = z.discriminatedUnion('type', [
  ClientGraphEdit,
  ClientUpdateNodeData,
  ClientStartGeneration,
  ClientCancelGeneration,
  ClientRenderFinalSequence,
  ClientSyncRequest,
  ClientPing,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// Server -> client
export const NodeState = z.enum(['idle', 'queued', 'generating', 'done', 'failed', 'cancelled']);
export type NodeState = z.infer<typeof NodeState>;

/** `catchUp` says what follows: the patches after the client's clock, or a full sync. */
export const ServerWelcome = z
  .object({
    type: z.literal('server:welcome'),
    protocolVersion: z.int(),
    projectId: z.string(),
    serverClock: ServerClock,
    clientId: z.string(),
    catchUp: z.enum(['patches', 'full_sync']),
    /** The last batch of this client id the server processed (applied or refused): a reconnecting client resends only later ones. */
    lastClientClock: ClientClock.nullable(),
  })
  .strict();
export const ServerAck = z.object({ type: z.literal('server:ack'), clientClock: ClientClock, serverClock: ServerClock }).strict();
export const ServerReject = z.object({ type: z.literal('server:reject'), clientClock: ClientClock, reason: z.string(), serverClock: ServerClock }).strict();
/** `origin` and `clientClock` name the edit's author, so a reconnecting author recognises its own edits. */
export const ServerGraphPatch = z
  .object({
    type: z.literal('server:graph_patch'),
    serverClock: ServerClock,
    edits: z.array(GraphEditOp),
    origin: z.string().optional(),
    clientClock: ClientClock.optional(),
  })
  .strict();
export const ServerFullSync = z.object({ type: z.literal('server:full_sync'), graph: Graph, serverClock: ServerClock }).strict();
/** A message the server could not act on; `code` is from the ERROR_CODES catalogue. */
export const ServerError = z.object({ type: z.literal('server:error'), error: z.string(), code: ErrorCode }).strict();
export const ServerNodeStateUpdated = z
  .object({ type: z.literal('server:node_state_updated'), node_id: z.string(), state: NodeState, task_id: z.string().optional() })
  .strict();
export const ServerTaskProgress = z
  .object({
    type: z.literal('server:task_progress'),
    task_id: z.string(),
    node_id: z.string(),
    progress: z.number().min(0).max(100),
    step: z.string(),
  })
  .strict();
export const ServerTaskSuccess = z
  .object({
    type: z.literal('server:task_success'),
    task_id: z.string(),
    node_id: z.string(),
    result: z.object({ output_url: z.string(), take: z.string() }).loose(),
  })
  .strict();
export const ServerTaskFailed = z.object({ type: z.literal('server:task_failed'), task_id: z.string(), node_id: z.string(), error: z.string() }).strict();
export const ServerNotice = z
  .object({
    type: z.literal('server:notice'),
    level: z.enum(['info', 'warning']),
    message: z.string(),
    node_id: z.string().optional(),
    task_id: z.string().optional(),
  })
  .strict();
/** Title or settings changed; the change took a server clock tick, so clients move their clock on. */
export const ServerProjectUpdated = z
  .object({ type: z.literal('server:project_updated'), project: z.record(z.string(), z.unknown()), serverClock: ServerClock })
  .strict();
export const ServerPong = z.object({ type: z.literal('server:pong'), t: z.number() }).strict();
/** Who is in the project now: one entry per connected client (a person with two tabs is there twice), sent to all on every join and leave. */
export const ServerPresence = z
  .object({
    type: z.literal('server:presence'),
    people: z.array(z.object({ clientId: z.string(), name: z.string(), kind: z.enum(['local', 'user', 'worker']) }).strict()).max(1000),
  })
  .strict();
export type ServerPresence = z.infer<typeof ServerPresence>;

export const ServerMessage = z.discriminatedUnion('type', [
  ServerWelcome,
  ServerAck,
  ServerReject,
  ServerGraphPatch,
  ServerFullSync,
  ServerError,
  ServerNodeStateUpdated,
  ServerTaskProgress,
  ServerTaskSuccess,
  ServerTaskFailed,
  ServerNotice,
  ServerProjectUpdated,
  ServerPong,
  ServerPresence,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** WebSocket close codes with their reasons (4000-4999 are the application's). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  unauthorized: 4401,
  projectNotFound: 4404,
  protocolMismatch: 4426,
  flood: 4429,
  serverShutdown: 4503,
} as const;
